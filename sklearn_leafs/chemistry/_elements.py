"""Chemical elements: symbols in atomic-number order and fast look-ups.

Everything here is plain Python data, so importing it is instant (pymatgen is
not imported).
"""

#: Element symbols ordered by atomic number, H (1) to Og (118).
ELEMENTS = tuple(
    """
    H He Li Be B C N O F Ne Na Mg Al Si P S Cl Ar K Ca Sc Ti V Cr Mn Fe Co Ni
    Cu Zn Ga Ge As Se Br Kr Rb Sr Y Zr Nb Mo Tc Ru Rh Pd Ag Cd In Sn Sb Te I Xe
    Cs Ba La Ce Pr Nd Pm Sm Eu Gd Tb Dy Ho Er Tm Yb Lu Hf Ta W Re Os Ir Pt Au
    Hg Tl Pb Bi Po At Rn Fr Ra Ac Th Pa U Np Pu Am Cm Bk Cf Es Fm Md No Lr Rf
    Db Sg Bh Hs Mt Ds Rg Cn Nh Fl Mc Lv Ts Og
    """.split()
)

_Z = {symbol: z for z, symbol in enumerate(ELEMENTS, start=1)}

#: Elements that are conventionally anions when they are the most
#: electronegative species of a compound (used as the last-resort role rule).
ANION_FORMERS = frozenset(
    ["H", "B", "C", "N", "O", "F", "Si", "P", "S", "Cl", "As", "Se", "Br", "Te", "I"]
)


def is_element(symbol):
    """Return True when ``symbol`` is a chemical element symbol.

    Examples
    --------
    >>> is_element("Fe"), is_element("D"), is_element("fe")
    (True, False, False)
    """
    return symbol in _Z


def atomic_number(symbol):
    """Return the atomic number of an element symbol.

    Raises
    ------
    ValueError
        If ``symbol`` is not an element symbol.

    Examples
    --------
    >>> atomic_number("O")
    8
    """
    try:
        return _Z[symbol]
    except (KeyError, TypeError):
        raise ValueError(f"{symbol!r} is not a chemical element symbol") from None


def sort_by_atomic_number(symbols):
    """Return the element symbols sorted by atomic number.

    Examples
    --------
    >>> sort_by_atomic_number(["O", "Mg", "H"])
    ['H', 'O', 'Mg']
    """
    return sorted(symbols, key=atomic_number)
