"""Compositions: fast formula parsing, fraction matrices and ionic roles.

The hot path of every composition featurizer is turning many formula strings
into a sparse ``(n_samples, n_elements)`` matrix of fractional amounts. The
parser here is a small regular-expression tokenizer with an LRU cache, which is
an order of magnitude faster than building pymatgen ``Composition`` objects.

Formula grammar
---------------
The full grammar, with the rule that decides whether a ``.`` is a decimal
point or an adduct separator, is in the user guide (``docs/user_guide/
formulas.rst``). In short:

- element symbols with optional amounts: integers, decimals (``Li0.375``) and
  scientific notation with ``e`` or ``E`` (``S1e-1``, ``Fe9E-05`` as
  spreadsheets write it: no element symbol is a bare ``E``, so the reading
  is unambiguous); a decimal comma (``Li0,5``) is an error that names it;
- groups in ``()``, ``[]`` or ``{}`` (matched pairs, nested, not empty) with
  optional multipliers: ``Ca3(PO4)2``, ``K4[Fe(CN)6]``;
- adducts separated by ``·`` ``•`` ``⋅`` ``∙`` ``*`` or ``.``, each with an
  optional leading multiplier: ``CuSO4·5H2O``, ``CaSO4.0.5H2O``,
  ``3CaO·Al2O3``;
- every amount and multiplier is positive and finite, and so is every total
  (``(Fe1e200)1e200`` overflows: an error): a zero (``Li0O``) is an error,
  never an element kept at fraction 0; charges (``Fe3+``) are errors.
"""

from __future__ import annotations

import math
import re
import sys
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

#: Characters that always separate adducts (``.`` is decided by context).
ADDUCT_SEPARATORS = "·•⋅∙*"
_NUMBER = r"\d+(?:\.\d+)?(?:[eE][+-]?\d+)?"
# fast path for the common case: element symbols and amounts only
_SIMPLE = re.compile(rf"(?:[A-Z][a-z]?(?:{_NUMBER})?)+\Z")
_PAIR = re.compile(rf"([A-Z][a-z]?)({_NUMBER})?")
# a "." followed by an optional multiplier and water or ammonia, up to the end
# of the formula or the next separator: the plain-text hydrate ``CuSO4.5H2O``
_HYDRATE_DOT = re.compile(r"\.(?:\d+(?:\.\d+)?)?(?:H2O|NH3)(?=\s*(?:$|[·•⋅∙*.]))")
_TOKEN = re.compile(
    r"(?P<num>\d+(?:\.\d+)*(?:[eE][+-]?\d+)?)"
    r"|(?P<sym>[A-Z][a-z]?)"
    r"|(?P<open>[(\[{])"
    r"|(?P<close>[)\]}])"
    r"|(?P<sep>[·•⋅∙*])"
    r"|(?P<dot>\.)"
    r"|(?P<space>\s+)"
)
_CLOSING = {"(": ")", "[": "]", "{": "}"}


def _amount(text, what, formula):
    """The float value of a number token: positive and finite, else an error."""
    value = float(text)
    mantissa = re.split("[eE]", text)[0]
    if value == 0 and any(d in mantissa for d in "123456789"):
        raise ValueError(
            f"{what} {text!r} in formula {formula!r} is below the smallest "
            "positive float (about 5e-324) and would read as zero"
        )
    if value == 0:
        raise ValueError(
            f"zero {what} in formula {formula!r} (leave the element or adduct out "
            "instead of giving it amount 0)"
        )
    if not math.isfinite(value):
        raise ValueError(f"non-finite {what} {text!r} in formula {formula!r}")
    return value


def _tokens(formula):
    """Tokenize; decide every ``.``; yield ``(kind, text, position)``."""
    pos = 0
    n = len(formula)
    leading = True  # at the start of an adduct: a number there is a multiplier
    while pos < n:
        m = _TOKEN.match(formula, pos)
        if m is None:
            char = formula[pos]
            if char in "+-" and pos + 1 < n and formula[pos + 1] in "xyzδ":
                reason = (
                    f"variable amount {formula[pos : pos + 2]!r}: the grammar takes "
                    "numbers only (substitute a value of the variable)"
                )
            elif char in "+-":
                reason = (
                    f"charge sign {char!r}: charges are not part of the formula "
                    "grammar (write the neutral formula)"
                )
            elif char.islower():
                reason = (
                    f"unexpected {char!r} (element symbols start with a capital letter)"
                )
            else:
                reason = f"unexpected character {char!r}"
            raise ValueError(f"{reason} at position {pos} of formula {formula!r}")
        kind = m.lastgroup
        text = m.group()
        if kind == "num" and "." in text and not (leading and text.count(".") == 1):
            yield from _split_number(text, pos, formula, leading)
        elif kind == "dot":
            kind = _classify_dot(pos, formula)
            yield kind, ".", pos
        else:
            yield kind, text, pos
        if kind != "space":
            leading = kind == "sep"
        pos = m.end()


def _split_number(text, pos, formula, leading):
    """A run of digits and points: one decimal, or amount, separator, multiplier."""
    points = text.count(".")
    if points == 1 and not leading:
        dot = text.index(".")
        if _HYDRATE_DOT.match(formula, pos + dot):
            # CuSO4.5H2O: the integer amount 4, then the hydrate 5H2O
            yield "num", text[:dot], pos
            yield "sep", ".", pos + dot
            yield "num", text[dot + 1 :], pos + dot + 1
        else:
            yield "num", text, pos
    elif points == 2 and not leading:
        # CaSO4.0.5H2O: an amount written before a "." separator is an integer,
        # so the first point separates and the second is the multiplier's.
        dot = text.index(".")
        yield "num", text[:dot], pos
        yield "sep", ".", pos + dot
        yield "num", text[dot + 1 :], pos + dot + 1
    else:
        raise ValueError(
            f"ambiguous number {text!r} with {points} points in formula "
            f"{formula!r}; use '·' between adducts"
        )


def _classify_dot(pos, formula):
    """A ``.`` not between two digits of one number: separator or error."""
    rest = formula[pos + 1 :].lstrip()
    if rest[:1].isupper() or rest[:1] in _CLOSING:
        return "sep"  # LiCl.H2O, CuSO4.H2O
    if rest[:1].isdigit() and _HYDRATE_DOT.match(formula, pos):
        return "sep"  # LiCl.2H2O
    if rest[:1].isdigit():
        raise ValueError(
            f"ambiguous '.' at position {pos} of formula {formula!r}: write a "
            "decimal amount with a leading digit (0.5) and adducts with '·'"
        )
    raise ValueError(
        f"misplaced '.' at position {pos} of formula {formula!r} (a '.' is a "
        "decimal point between digits or a separator before an adduct)"
    )


def _close_group(text, pos, opened, stack, formula):
    """Close the innermost open group at bracket ``text``; return its amounts."""
    if not opened:
        raise ValueError(
            f"unbalanced brackets: {text!r} at position {pos} closes "
            f"nothing in formula {formula!r}"
        )
    bracket, start = opened.pop()
    if _CLOSING[bracket] != text:
        raise ValueError(
            f"mismatched brackets: {bracket!r} at position {start} closed "
            f"by {text!r} at position {pos} in formula {formula!r}"
        )
    group = stack.pop()
    if not group:
        raise ValueError(
            f"empty group {bracket + text!r} at position {start} of formula {formula!r}"
        )
    return group


def _parse_full(formula):
    """Parse any formula of the grammar (see the module docstring)."""
    total = {}
    stack = [{}]  # element amounts of the open groups; stack[0] is the adduct
    opened = []  # (bracket, position) of the open groups
    pending = None  # [symbol or group dict, amount, takes a number]
    multiplier = None  # leading multiplier of the current adduct
    at_start = True  # nothing read yet in the current adduct

    def flush():
        if pending is None:
            return
        what, amount = pending[0], pending[1]
        target = stack[-1]
        if isinstance(what, str):
            target[what] = target.get(what, 0.0) + amount
        else:
            for el, a in what.items():
                target[el] = target.get(el, 0.0) + a * amount

    def close_adduct(pos):
        part = stack[0]
        if not part:
            where = "at the end" if pos is None else f"at position {pos}"
            raise ValueError(f"empty adduct {where} of formula {formula!r}")
        factor = 1.0 if multiplier is None else multiplier
        for el, a in part.items():
            total[el] = total.get(el, 0.0) + a * factor

    for kind, text, pos in _tokens(formula):
        if kind == "space":
            if pending is not None:
                pending[2] = False  # "Li 2O": a number must touch its element
            continue
        if kind == "num":
            if pending is not None and pending[2]:
                what = (
                    f"amount of {pending[0]}"
                    if isinstance(pending[0], str)
                    else "group multiplier"
                )
                pending[1] = _amount(text, what, formula)
                pending[2] = False
                continue
            if at_start and multiplier is None:
                multiplier = _amount(text, "adduct multiplier", formula)
                continue
            raise ValueError(
                f"misplaced number {text!r} at position {pos} of formula {formula!r}"
            )
        if multiplier is not None and at_start and kind not in ("sym", "open"):
            raise ValueError(
                f"adduct multiplier without an adduct at position {pos} of "
                f"formula {formula!r}"
            )
        flush()
        pending = None
        if kind == "sym":
            if not is_element(text):
                raise ValueError(
                    f"unknown element symbol {text!r} in formula {formula!r}"
                )
            pending = [text, 1.0, True]
        elif kind == "open":
            stack.append({})
            opened.append((text, pos))
        elif kind == "close":
            pending = [_close_group(text, pos, opened, stack, formula), 1.0, True]
        else:  # separator
            if opened:
                raise ValueError(
                    f"adduct separator {text!r} at position {pos} inside brackets "
                    f"in formula {formula!r}"
                )
            close_adduct(pos)
            stack = [{}]
            multiplier = None
            at_start = True
            continue
        at_start = False
    flush()
    if opened:
        bracket, start = opened[-1]
        raise ValueError(
            f"unbalanced brackets: {bracket!r} at position {start} is never "
            f"closed in formula {formula!r}"
        )
    if multiplier is not None and at_start:
        raise ValueError(f"adduct multiplier without an adduct in formula {formula!r}")
    close_adduct(None)
    return total


_SUBSCRIPTS = str.maketrans("₀₁₂₃₄₅₆₇₈₉", "0123456789")


_DECIMAL_COMMA = re.compile(r"\d+,\d+")


@lru_cache(maxsize=1 << 18)
def _parse_cached(formula):
    # subscript digits pasted from papers or word processors ("Li₂O")
    formula = formula.translate(_SUBSCRIPTS)
    comma = _DECIMAL_COMMA.search(formula)
    if comma:
        raise ValueError(
            f"decimal comma {comma.group()!r} at position "
            f"{comma.start() + comma.group().index(',')} of "
            f"formula {formula!r}: write amounts with a decimal point "
            f"({comma.group().replace(',', '.')!r})"
        )
    pairs = _parse_pairs(formula)
    for symbol, amount in pairs:
        if not math.isfinite(amount):
            raise ValueError(
                f"the amount of {symbol} overflows (beyond {sys.float_info.max:.3g}) "
                f"in formula {formula!r}"
            )
    return pairs


def _parse_pairs(formula):
    simple = _SIMPLE.match(formula)
    if simple and ("." not in formula or not _HYDRATE_DOT.search(formula)):
        total = {}
        for symbol, number in _PAIR.findall(formula):
            if not is_element(symbol):
                raise ValueError(
                    f"unknown element symbol {symbol!r} in formula {formula!r}"
                )
            amount = float(number) if number else 1.0
            if not 0.0 < amount < math.inf:  # raises, naming the amount
                _amount(number, f"amount of {symbol}", formula)
            total[symbol] = total.get(symbol, 0.0) + amount
        return tuple(total.items())
    return tuple(_parse_full(formula).items())


def parse_formula(formula):
    """Parse a chemical formula into element amounts.

    The grammar (elements, groups, decimal and scientific amounts, adducts and
    the rule for ``.``) is documented in the user guide, "Formula grammar".

    Parameters
    ----------
    formula : str
        A formula such as ``"Ca3(PO4)2"``, ``"Li0.375P0.125O0.5"``,
        ``"CuSO4·5H2O"`` or ``"CaSO4.0.5H2O"``.

    Returns
    -------
    amounts : dict of str to float
        Element symbol to (unnormalised) amount, in order of appearance; every
        amount is positive.

    Raises
    ------
    ValueError
        For an empty or malformed formula, naming the formula and the position
        or part at fault: an unknown element symbol, a zero amount or
        multiplier, an empty group (``Ca()2``), unbalanced or mismatched
        brackets, a charge (``Fe3+``), a misplaced number or an ambiguous
        ``.``.

    Examples
    --------
    >>> parse_formula("Ca3(PO4)2")
    {'Ca': 3.0, 'P': 2.0, 'O': 8.0}
    >>> parse_formula("CuSO4.5H2O")
    {'Cu': 1.0, 'S': 1.0, 'O': 9.0, 'H': 10.0}
    >>> parse_formula("CaSO4.0.5H2O")
    {'Ca': 1.0, 'S': 1.0, 'O': 4.5, 'H': 1.0}
    >>> parse_formula("NbO1.9S1e-1")
    {'Nb': 1.0, 'O': 1.9, 'S': 0.1}
    >>> parse_formula("Li₂O")  # subscript digits read as digits
    {'Li': 2.0, 'O': 1.0}
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
    are reduced to elements) or a mapping of element symbol to amount. In a
    Composition or mapping an element with amount 0 is absent (a zero column
    of a table row) and is dropped; in a formula string a zero amount is an
    error (see :func:`parse_formula`).

    Examples
    --------
    >>> from pymatgen.core import Composition
    >>> item_amounts(Composition("Fe2O3"))
    {'Fe': 2.0, 'O': 3.0}
    """
    if isinstance(item, str):
        return parse_formula(item)
    if _is_composition(item):
        amounts = {
            str(el): float(a) for el, a in item.element_composition.items() if a != 0
        }
    elif isinstance(item, Mapping):
        amounts = {}
        for el, a in item.items():
            el = str(getattr(el, "symbol", el))
            if not is_element(el):
                raise ValueError(f"unknown element symbol {el!r} in {dict(item)!r}")
            a = _mapping_amount(el, a, item)
            if a != 0:  # a zero column of a table row: element absent
                amounts[el] = amounts.get(el, 0.0) + a
    elif _is_missing(item):
        raise ValueError(MISSING_VALUE)
    else:
        raise ValueError(f"expected a formula string or Composition, got {item!r}")
    if any(a < 0 or not math.isfinite(a) for a in amounts.values()):
        raise ValueError(f"composition {item!r} has a negative or non-finite amount")
    if not amounts:
        raise ValueError(f"composition {item!r} is empty")
    return amounts


#: The one message for a missing formula (None, NaN, pd.NA, NaT).
MISSING_VALUE = "missing value (None, NaN or pd.NA) instead of a formula"


def _is_missing(value):
    """True for None, float NaN, pd.NA and NaT (pandas' missing values)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    try:
        return bool(isinstance(value, Real | np.generic) and pd.isna(value))
    except (TypeError, ValueError):
        return False


def _mapping_amount(element, amount, item):
    """The float amount of ``element`` in a mapping, or a ValueError naming it."""
    if _is_missing(amount):
        raise ValueError(f"missing amount ({amount!r}) of {element} in {dict(item)!r}")
    if isinstance(amount, bool) or not isinstance(amount, Real):
        kind = "complex" if isinstance(amount, complex) else type(amount).__name__
        raise ValueError(
            f"amount of {element} is {amount!r} ({kind}), not a real number, in "
            f"{dict(item)!r}"
        )
    value = float(amount)
    if value < 0 or not math.isfinite(value):
        raise ValueError(
            f"amount of {element} is {amount!r}; amounts must be finite and not "
            f"negative, in {dict(item)!r}"
        )
    return value


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


def normalized_amounts(amounts):
    """Fractions of positive finite amounts, summing to 1 without overflow.

    The amounts are divided by the largest before they are summed, so totals
    beyond the largest float (``Fe1e308Ni1e308``) give the fractions of the
    reduced formula (0.5, 0.5), and tiny amounts keep their ratios.

    Examples
    --------
    >>> normalized_amounts([1e308, 1e308]), normalized_amounts([1e-300, 3e-300])
    ((0.5, 0.5), (0.25, 0.75))
    """
    amounts = tuple(float(a) for a in amounts)
    largest = max(amounts)
    scaled = tuple(a / largest for a in amounts)
    total = math.fsum(scaled)
    return tuple(a / total for a in scaled)


@lru_cache(maxsize=1 << 18)
def _row_cached(formula):
    """Symbols, amounts and fractions of a formula string (cached)."""
    pairs = _parse_cached(formula)
    symbols = tuple(el for el, _ in pairs)
    amounts = tuple(a for _, a in pairs)
    return symbols, amounts, normalized_amounts(amounts)


def _row_of(item):
    if isinstance(item, str):
        key = item.strip()
        if not key:
            raise ValueError("empty formula")
        return _row_cached(key)
    amounts = item_amounts(item)
    return (
        tuple(amounts),
        tuple(amounts.values()),
        normalized_amounts(amounts.values()),
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
        except (ValueError, TypeError, ArithmeticError) as exc:
            problems.append((row, item, _reason(exc)))
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


def _reason(exc):
    """The message of a row error; the exception type when it is not a
    ValueError (which the package raises with its own words)."""
    if isinstance(exc, ValueError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def _nan_rows(F, rows):
    F = F.tolil()
    for row in rows:
        F[row, :] = np.nan
    return F.tocsr()
