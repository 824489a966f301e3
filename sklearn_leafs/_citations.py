"""Shared docstring pieces: every published method's reference, defined once.

A docstring names a reference by key in a placeholder, ``{cite:KEY}``, usually
after its numpydoc label, with an optional note after it::

    References
    ----------
    .. [1] {cite:vasylenko2024}; Eq. 2.

:func:`fill_citations` (for a module's ``__doc__``) and the :func:`cite`
decorator (for functions and classes) replace each placeholder line with the
full reference, wrapped to the docstring's width and indented under its
label, so that Sphinx, numpydoc and ``help()`` all show the whole text (the
same approach as pandas' ``doc`` decorator and scikit-learn's shared
docstrings).  A key that is not in :data:`REFERENCES` raises ``KeyError`` at
import time, so a typo cannot ship.
"""

import re
import textwrap

__all__ = ["REFERENCES", "cite", "fill_citations"]

#: key -> full reference (authors, title, venue, year; code where published).
REFERENCES = {
    "vasylenko2024": (
        "A. Vasylenko, D. Antypov, S. Schewe, L. M. Daniels, J. B. Claridge, "
        'M. S. Dyer and M. J. Rosseinsky, "Digital features of chemical '
        'elements extracted from local geometries in crystal structures" '
        "(2024), LEAFs; code and tables: https://github.com/lrcfmd/LEAF"
    ),
    "phaseselect2023": (
        "A. Vasylenko, D. Antypov, V. V. Gusev, M. W. Gaultois, M. S. Dyer and "
        'M. J. Rosseinsky, "Element selection for functional materials '
        "discovery by integrated machine learning of elemental contributions "
        'to properties", npj Comput. Mater. 9, 164 (2023) (PhaseSelect); code '
        "and data: https://github.com/lrcfmd/PhaseSelect"
    ),
    "smact2019": (
        'D. W. Davies et al., "SMACT: Semiconducting Materials by Analogy and '
        'Chemical Theory", J. Open Source Softw. 4, 1361 (2019)'
    ),
    "hautier2011": (
        'G. Hautier, C. Fischer, V. Ehrlacher, A. Jain and G. Ceder, "Data '
        'mined ionic substitutions for the discovery of new compounds", '
        "Inorg. Chem. 50, 656 (2011)"
    ),
    "zimmermann2020": (
        'N. E. R. Zimmermann and A. Jain, "Local structure order parameters '
        "and site fingerprints for quantification of coordination environment "
        'and crystal structure similarity", RSC Adv. 10, 6063 (2020)'
    ),
    "ward2018": (
        'L. Ward et al., "Matminer: An open source toolkit for materials data '
        'mining", Comput. Mater. Sci. 152, 60 (2018)'
    ),
    "ward2016": (
        'L. Ward, A. Agrawal, A. Choudhary and C. Wolverton, "A '
        "general-purpose machine learning framework for predicting properties "
        'of inorganic materials", npj Comput. Mater. 2, 16028 (2016) (Magpie)'
    ),
    "ong2013": (
        'S. P. Ong et al., "Python Materials Genomics (pymatgen): A robust, '
        'open-source python library for materials analysis", Comput. Mater. '
        "Sci. 68, 314 (2013)"
    ),
    "guo2017": (
        'C. Guo, G. Pleiss, Y. Sun and K. Q. Weinberger, "On calibration of '
        'modern neural networks", ICML (2017)'
    ),
    "wang2021": (
        "A. Y.-T. Wang, S. K. Kauwe, R. J. Murdock and T. D. Sparks, "
        '"Compositionally restricted attention-based network for materials '
        'property predictions", npj Comput. Mater. 7, 77 (2021) (CrabNet)'
    ),
    "vaswani2017": (
        'A. Vaswani et al., "Attention is all you need", Advances in Neural '
        "Information Processing Systems 30 (2017)"
    ),
}

#: ``<indent>[.. [label] ]{cite:key}<rest>`` on one line.
_PLACEHOLDER = re.compile(
    r"^(?P<indent>[ \t]*)(?P<label>\.\. \[[^\]]+\] )?\{cite:(?P<key>[\w.-]+)\}"
    r"(?P<rest>.*)$",
    re.MULTILINE,
)

#: Width of a filled docstring line, as ruff's line length.
WIDTH = 79


def _fill(match):
    indent, label = match["indent"], match["label"] or ""
    try:
        text = REFERENCES[match["key"]]
    except KeyError:
        raise KeyError(
            f"unknown reference key {match['key']!r} in a docstring; "
            f"known: {', '.join(sorted(REFERENCES))}"
        ) from None
    return textwrap.fill(
        text + match["rest"],
        width=WIDTH,
        initial_indent=indent + label,
        subsequent_indent=indent + " " * len(label),
        break_long_words=False,
        break_on_hyphens=False,
    )


def fill_citations(docstring):
    """Replace every ``{cite:KEY}`` placeholder line of a docstring.

    Parameters
    ----------
    docstring : str or None
        A docstring; None (as under ``python -OO``) is returned unchanged.

    Returns
    -------
    str or None
        The docstring with each placeholder line replaced by the reference,
        wrapped to 79 columns under its label.

    Raises
    ------
    KeyError
        If a placeholder names a key that is not in :data:`REFERENCES`.

    Examples
    --------
    >>> print(fill_citations(".. [1] {cite:smact2019}; the Eq. 1 protocol."))
    .. [1] D. W. Davies et al., "SMACT: Semiconducting Materials by Analogy and
           Chemical Theory", J. Open Source Softw. 4, 1361 (2019); the Eq. 1
           protocol.
    """
    if docstring is None:
        return None
    return _PLACEHOLDER.sub(_fill, docstring)


def cite(obj):
    """Decorator: fill the ``{cite:KEY}`` placeholders of ``obj.__doc__``.

    Parameters
    ----------
    obj : function or class
        Its docstring is filled in place (see :func:`fill_citations`).

    Returns
    -------
    obj
        The same object.

    Examples
    --------
    >>> @cite
    ... def f():
    ...     '''References
    ...     ----------
    ...     .. [1] {cite:guo2017}.
    ...     '''
    >>> "Weinberger" in f.__doc__
    True
    """
    obj.__doc__ = fill_citations(obj.__doc__)
    return obj
