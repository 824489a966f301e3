"""Compositions: fast formula parsing, fraction matrices and ionic roles.

The hot path of every composition featurizer is turning many formula strings
into a sparse ``(n_samples, n_elements)`` matrix of fractional amounts. The
parser here is a small regular-expression tokenizer with an LRU cache, which is
an order of magnitude faster than building pymatgen ``Composition`` objects.

Formula syntax
--------------
- element symbols with optional integer or decimal amounts: ``Li0.375P0.125O0.5``;
- nested parentheses or brackets with multipliers: ``Ca3(PO4)2``, ``[Fe(CN)6]``;
- adducts and hydrates separated by ``·``, ``•`` or ``*``, with an optional
  leading multiplier: ``CuSO4·5H2O``. A ``.`` is read as a decimal point,
  except directly before a water or ammonia adduct (``CuSO4.5H2O``,
  ``CaCl2.2NH3``), the common way of typing a hydrate in plain text.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from functools import lru_cache
from numbers import Real

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ._elements import is_element

__all__ = [
    "parse_formula",
    "as_items",
    "item_amounts",
    "fraction_matrix",
]

_TOKEN = re.compile(r"([A-Z][a-z]?)|(\d+\.?\d*|\.\d+)|([(\[{])|([)\]}])|(\s+)")
_ADDUCT = re.compile(r"[·•*]|\.(?=\d*(?:H2O|NH3|D2O)$)|\.(?=\d*(?:H2O|NH3|D2O)[·•*.])")
_LEADING_COEFF = re.compile(r"^(\d+\.?\d*|\.\d+)(?=[A-Z(\[{])")
# fast path for the common case: element symbols and amounts only
_SIMPLE = re.compile(r"(?:[A-Z][a-z]?(?:\d+\.?\d*|\.\d+)?)+\Z")
_PAIR = re.compile(r"([A-Z][a-z]?)(\d+\.?\d*|\.\d+)?")


def _parse_group(text, original):
    """Parse one formula fragment without adduct separators."""
    stack = [{}]
    pending = None  # [kind, what, amount, has_number]: the item awaiting a number
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            raise ValueError(f"cannot parse formula {original!r} at {text[pos:]!r}")
        pos = m.end()
        symbol, number, open_, close, space = m.groups()
        if space:
            continue
        if number:
            if pending is None or pending[3]:
                raise ValueError(f"misplaced number {number!r} in formula {original!r}")
            pending[2], pending[3] = float(number), True
            continue
        _flush(stack[-1], pending)
        pending = None
        if symbol:
            if not is_element(symbol):
                raise ValueError(
                    f"unknown element symbol {symbol!r} in formula {original!r}"
                )
            pending = ["el", symbol, 1.0, False]
        elif open_:
            stack.append({})
        else:  # close
            if len(stack) == 1:
                raise ValueError(f"unbalanced parentheses in formula {original!r}")
            pending = ["group", stack.pop(), 1.0, False]
    _flush(stack[-1], pending)
    if len(stack) != 1:
        raise ValueError(f"unbalanced parentheses in formula {original!r}")
    return stack[0]


def _flush(target, pending):
    if pending is None:
        return
    kind, what, amount = pending[0], pending[1], pending[2]
    if kind == "el":
        target[what] = target.get(what, 0.0) + amount
    else:
        for el, amt in what.items():
            target[el] = target.get(el, 0.0) + amt * amount


@lru_cache(maxsize=1 << 18)
def _parse_cached(formula):
    if _SIMPLE.match(formula) and ("." not in formula or not _ADDUCT.search(formula)):
        total = {}
        for symbol, number in _PAIR.findall(formula):
            if not is_element(symbol):
                raise ValueError(
                    f"unknown element symbol {symbol!r} in formula {formula!r}"
                )
            total[symbol] = total.get(symbol, 0.0) + (float(number) if number else 1.0)
        if sum(total.values()) <= 0:
            raise ValueError(f"formula {formula!r} has zero total amount")
        return tuple(total.items())
    total = {}
    for index, part in enumerate(_ADDUCT.split(formula)):
        part = part.strip()
        if not part:
            raise ValueError(f"empty adduct part in formula {formula!r}")
        multiplier = 1.0
        m = _LEADING_COEFF.match(part)
        if m and index > 0:
            multiplier = float(m.group(1))
            part = part[m.end() :]
        for el, amt in _parse_group(part, formula).items():
            total[el] = total.get(el, 0.0) + amt * multiplier
    return _checked(total, formula)


def _checked(total, formula):
    if not total:
        raise ValueError(f"formula {formula!r} contains no element")
    for el, amt in total.items():
        if not math.isfinite(amt) or amt < 0:
            raise ValueError(f"invalid amount {amt} of {el} in formula {formula!r}")
    if sum(total.values()) <= 0:
        raise ValueError(f"formula {formula!r} has zero total amount")
    return tuple(total.items())


def parse_formula(formula):
    """Parse a chemical formula into element amounts.

    Parameters
    ----------
    formula : str
        A formula such as ``"Ca3(PO4)2"``, ``"Li0.375P0.125O0.5"`` or
        ``"CuSO4·5H2O"``.

    Returns
    -------
    amounts : dict of str to float
        Element symbol to (unnormalised) amount, in order of appearance.

    Raises
    ------
    ValueError
        For an empty or malformed formula or an unknown element symbol.

    Examples
    --------
    >>> parse_formula("Ca3(PO4)2")
    {'Ca': 3.0, 'P': 2.0, 'O': 8.0}
    >>> parse_formula("CuSO4.5H2O")
    {'Cu': 1.0, 'S': 1.0, 'O': 9.0, 'H': 10.0}
    """
    if not isinstance(formula, str):
        raise ValueError(f"expected a formula string, got {formula!r}")
    if not formula.strip():
        raise ValueError("empty formula")
    return dict(_parse_cached(formula.strip()))


def as_items(X, *, name="X"):
    """Flatten formula-like input into a list of items.

    Accepts a 1-D list, tuple, array or pandas Series, a single string or
    Composition is rejected (wrap it in a list), and 2-D input must have exactly
    one column (``ColumnTransformer`` passes ``X[["formula"]]``).

    Examples
    --------
    >>> as_items(["MgO", "NaCl"])
    ['MgO', 'NaCl']
    >>> import pandas as pd
    >>> as_items(pd.DataFrame({"formula": ["MgO"]}))
    ['MgO']
    """
    if isinstance(X, str) or _is_composition(X) or isinstance(X, Mapping):
        raise ValueError(
            f"{name} must be a list-like of formulas, got a single item {X!r}; "
            "wrap it in a list"
        )
    if isinstance(X, pd.DataFrame):
        if X.shape[1] != 1:
            raise ValueError(
                f"{name} must have exactly one column of formulas, got "
                f"{X.shape[1]} columns: {list(X.columns)}"
            )
        return X.iloc[:, 0].tolist()
    if isinstance(X, pd.Series):
        return X.tolist()
    if sp.issparse(X):
        raise ValueError(f"{name} must hold formulas, got a sparse matrix")
    if isinstance(X, np.ndarray):
        if X.ndim == 2:
            if X.shape[1] != 1:
                raise ValueError(
                    f"{name} must have exactly one column of formulas, got "
                    f"shape {X.shape}"
                )
            return X[:, 0].tolist()
        if X.ndim != 1:
            raise ValueError(f"{name} must be 1-D or one column, got shape {X.shape}")
        return X.tolist()
    try:
        items = list(X)
    except TypeError:
        raise ValueError(f"{name} must be a list-like of formulas, got {X!r}") from None
    if items and isinstance(items[0], list | tuple | np.ndarray):
        if all(len(row) == 1 for row in items):
            return [row[0] for row in items]
        raise ValueError(f"{name} must be 1-D or have exactly one column")
    return items


def _is_composition(obj):
    return type(obj).__name__ == "Composition" and hasattr(obj, "element_composition")


def item_amounts(item):
    """Return the element amounts of one formula-like item.

    ``item`` may be a formula string, a pymatgen ``Composition`` (its species
    are reduced to elements) or a mapping of element symbol to amount.

    Examples
    --------
    >>> from pymatgen.core import Composition
    >>> item_amounts(Composition("Fe2O3"))
    {'Fe': 2.0, 'O': 3.0}
    """
    if isinstance(item, str):
        return parse_formula(item)
    if _is_composition(item):
        amounts = {str(el): float(a) for el, a in item.element_composition.items()}
    elif isinstance(item, Mapping):
        amounts = {}
        for el, a in item.items():
            el = str(getattr(el, "symbol", el))
            if not is_element(el):
                raise ValueError(f"unknown element symbol {el!r} in {dict(item)!r}")
            amounts[el] = amounts.get(el, 0.0) + float(a)
    elif item is None or (isinstance(item, Real) and math.isnan(item)):
        raise ValueError("missing value (None/NaN) instead of a formula")
    else:
        raise ValueError(f"expected a formula string or Composition, got {item!r}")
    if not amounts or sum(amounts.values()) <= 0:
        raise ValueError(f"composition {item!r} is empty")
    if any(a < 0 or not math.isfinite(a) for a in amounts.values()):
        raise ValueError(f"composition {item!r} has a negative or non-finite amount")
    return amounts


def fraction_matrix(X, elements, *, normalize=True, errors="raise"):
    """Sparse matrix of element fractions (or amounts) over ``elements``.

    Parameters
    ----------
    X : list-like of str or Composition
        Formulas (see :func:`as_items` for accepted shapes).
    elements : sequence of str
        Column order of the output, e.g. ``LeafTable.elements``.
    normalize : bool, default=True
        Divide each row by its total amount (fractions, Eq. 2 of Vasylenko et al. 2024).
        With False the raw amounts are kept.
    errors : {"raise", "nan"}, default="raise"
        What to do with an unparseable item or an element missing from
        ``elements``: raise a ``ValueError`` naming the item and its row, or
        emit a row of NaN.

    Returns
    -------
    F : scipy.sparse.csr_matrix of shape (n_samples, len(elements))

    Examples
    --------
    >>> F = fraction_matrix(["MgO", "Li0.375P0.125O0.5"], ["Li", "O", "Mg", "P"])
    >>> F.toarray()
    array([[0.   , 0.5  , 0.5  , 0.   ],
           [0.375, 0.5  , 0.   , 0.125]])
    """
    F, problems = _fraction_matrix(X, elements, normalize=normalize)
    if problems:
        if errors == "raise":
            row, item, reason = problems[0]
            more = f" ({len(problems) - 1} more bad rows)" if len(problems) > 1 else ""
            raise ValueError(f"row {row} ({item!r}): {reason}{more}")
        if errors != "nan":
            raise ValueError(f"errors must be 'raise' or 'nan', got {errors!r}")
        F = _nan_rows(F, [row for row, _, _ in problems])
    return F


@lru_cache(maxsize=1 << 18)
def _row_cached(formula):
    """Symbols, amounts and fractions of a formula string (cached)."""
    pairs = _parse_cached(formula)
    symbols = tuple(el for el, _ in pairs)
    amounts = tuple(a for _, a in pairs)
    total = sum(amounts)
    return symbols, amounts, tuple(a / total for a in amounts)


def _row_of(item):
    if isinstance(item, str):
        key = item.strip()
        if not key:
            raise ValueError("empty formula")
        return _row_cached(key)
    amounts = item_amounts(item)
    total = sum(amounts.values())
    return (
        tuple(amounts),
        tuple(amounts.values()),
        tuple(a / total for a in amounts.values()),
    )


def _fraction_matrix(X, elements, *, normalize=True):
    """Build the matrix; return it with a list of ``(row, item, reason)``."""
    items = as_items(X)
    column = {el: j for j, el in enumerate(elements)}
    pick = 2 if normalize else 1
    indptr = np.empty(len(items) + 1, dtype=np.int64)
    indptr[0] = 0
    indices = []
    data = []
    problems = []
    for row, item in enumerate(items):
        try:
            parsed = _row_of(item)
            indices.extend([column[el] for el in parsed[0]])
            data.extend(parsed[pick])
        except ValueError as exc:
            problems.append((row, item, str(exc)))
        except KeyError:
            missing = [el for el in parsed[0] if el not in column]
            problems.append(
                (row, item, f"element(s) {', '.join(missing)} not in the table")
            )
        indptr[row + 1] = len(indices)
    F = sp.csr_matrix(
        (np.asarray(data, dtype=float), np.asarray(indices, dtype=np.int64), indptr),
        shape=(len(items), len(column)),
    )  # no duplicate (row, element) entries: parsed amounts are dicts
    return F, problems


def _nan_rows(F, rows):
    F = F.tolil()
    for row in rows:
        F[row, :] = np.nan
    return F.tocsr()
