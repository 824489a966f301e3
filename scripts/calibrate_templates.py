"""Write the stored calibration of the template library.

Fits the library classifier of :func:`sklearn_leafs.substitution.predict_structure_type`
(``protocol="all"``, ``polymorphs="evidence"``, ``aggregate="sum"``,
``sharpness=LIBRARY_SHARPNESS``) on ``sklearn_leafs/data/structure_templates.csv``
with the default table, calibrates it by leave-one-formula-out
(``calibration="lofo"``) and writes temperature and prior weight (4 decimals)
to ``sklearn_leafs/data/structure_templates.calibration.json`` together with
the table's content fingerprint and the template file's SHA-256, which decide
when the stored values apply.  Rerun it whenever the template file or the
default table changes.

Usage::

    python scripts/calibrate_templates.py
"""

import hashlib
import json
from pathlib import Path

from sklearn_leafs.substitution import (
    LIBRARY_SHARPNESS,
    LIBRARY_TABLE,
    SubstitutionClassifier,
    load_templates,
    species_mapping,
)
from sklearn_leafs.tables import get_table

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "sklearn_leafs" / "data"
TEMPLATES = "structure_templates.csv"
OUTPUT = DATA / "structure_templates.calibration.json"


def main():
    table = get_table(LIBRARY_TABLE)
    templates = load_templates("evidence")
    clf = SubstitutionClassifier(
        table=table,
        protocol="all",
        oxidation_states=None,
        aggregate="sum",
        sharpness=LIBRARY_SHARPNESS,
        calibration="lofo",
    )
    X = [species_mapping(s) for s in templates["species"]]
    clf.fit(X, templates["prototype"], sample_weight=templates["weight"].to_numpy())
    fitted = clf.calibration_
    record = {
        "calibrates": TEMPLATES,
        "templates_sha256": hashlib.sha256((DATA / TEMPLATES).read_bytes()).hexdigest(),
        "table": LIBRARY_TABLE,
        "table_fingerprint": table.fingerprint,
        "protocol": "all",
        "polymorphs": "evidence",
        "aggregate": "sum",
        "sharpness": LIBRARY_SHARPNESS,
        "temperature": round(fitted["temperature"], 4),
        "prior_weight": round(fitted["prior_weight"], 4),
        "log_loss": round(fitted["log_loss"], 4),
        "n_samples": fitted["n_samples"],
        "method": "leave-one-formula-out temperature scaling with a prior mix "
        "(SubstitutionClassifier(calibration='lofo'), fit_temperature); written "
        "by scripts/calibrate_templates.py",
        "applies_when": "the table's LeafTable.fingerprint and the template "
        "file's SHA-256 equal the ones recorded here, with the same protocol "
        "and polymorphs; otherwise predict_structure_type calibrates the "
        "library by leave-one-formula-out when first used",
    }
    OUTPUT.write_text(json.dumps(record, indent=1) + "\n")
    print(f"wrote {OUTPUT}: T={record['temperature']} a={record['prior_weight']}")


if __name__ == "__main__":
    main()
