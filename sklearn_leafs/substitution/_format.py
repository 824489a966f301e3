"""Text of the discovery results, as ``leafs`` and the demo print them."""

from ._structure_types import NO_PREDICTION

__all__ = ["format_structure_types", "format_substitutions"]


def format_structure_types(result):
    """One line per formula of a :func:`predict_structure_type` frame.

    ``ZnO  wurtzite (AB_hP4_186_b_b)  0.71  [zinc blende 0.18]  via ZnS mp-10695``
    (best prototype, its label, probability, runners-up, best template and
    its source id, then the reason or note in parentheses).

    Parameters
    ----------
    result : pandas.DataFrame
        The frame :func:`predict_structure_type` returns.

    Returns
    -------
    lines : list of str

    Examples
    --------
    >>> from sklearn_leafs.substitution import predict_structure_type
    >>> format_structure_types(predict_structure_type(["MgO"]))[0][:20]
    'MgO  rock salt (AB_c'
    """
    width = max(len(str(f)) for f in result["formula"])
    lines = []
    for _, rows in result.groupby("formula", sort=False):
        best = rows.iloc[0]
        head = f"{best['formula']:<{width}}"
        if best["structure_type"] == NO_PREDICTION:
            lines.append(f"{head}  {NO_PREDICTION}  ({best['reason']})")
            continue
        name = best["structure_type"]
        label = f" ({best['prototype']})" if name != best["prototype"] else ""
        text = f"{head}  {name}{label}  {best['probability']:.2f}"
        others = [
            f"{r['structure_type']} {r['probability']:.2f}"
            for _, r in rows.iloc[1:].iterrows()
        ]
        if others:
            text += f"  [{', '.join(others)}]"
        text += f"  via {best['template']} {best['source_id']}"
        if best["reason"]:
            text += f"  ({best['reason']})"
        lines.append(text)
    return lines


def format_substitutions(formula, result):
    """One line per candidate of a :func:`substitute_formula` frame.

    ``CaTiO3 -> SrTiO3 (Ca2+ -> Sr2+ 0.0871)``; a double substitution also
    shows the product, ``...; p = 0.00123)``.

    Parameters
    ----------
    formula : str
        The parent formula as the user wrote it.
    result : pandas.DataFrame
        The frame :func:`substitute_formula` returns.

    Returns
    -------
    lines : list of str

    Examples
    --------
    >>> import pandas as pd
    >>> result = pd.DataFrame(
    ...     {"formula": ["KCl"], "probability": [0.5], "replaced": [("Na+",)],
    ...      "substitutes": [("K+",)], "species_probabilities": [(0.5,)]}
    ... )
    >>> format_substitutions("NaCl", result)
    ['NaCl -> KCl (Na+ -> K+ 0.5000)']
    """
    name = str(formula).strip()
    lines = []
    for row in result.itertuples(index=False):
        changes = zip(row.replaced, row.substitutes, row.species_probabilities)
        shown = ", ".join(f"{o} -> {n} {p:.4f}" for o, n, p in changes)
        extra = f"; p = {row.probability:.3g}" if len(row.replaced) > 1 else ""
        lines.append(f"{name} -> {row.formula} ({shown}{extra})")
    return lines
