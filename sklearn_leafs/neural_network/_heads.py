"""The heads of LeafNet: what turns element vectors into a prediction.

A head is a small scikit-learn-style object (``get_params``/``set_params``,
validated options) that the LeafNet estimators resolve once in ``fit`` from
their ``head`` parameter and the ``head__*`` options routed to it. It decides
everything that differs between the two architectures: the network input made
from a composition's fractions, the torch module, the optimizer and the
defaults of ``lr="auto"``, ``lr_schedule="auto"`` and ``batch_size=None``.

- :class:`MLPHead`: the composition's fractions pool the learned element
  vectors ``D(M)`` and an MLP ``H`` maps the pooled vector to the output
  (Eq. 4 as in the paper).
- :class:`AttentionHead`: every element of a composition is a token and a
  transformer encoder lets the tokens attend to each other before the MLP
  (CrabNet's architecture with LEAF element vectors).
"""

from __future__ import annotations

import warnings
from numbers import Integral

import numpy as np
import torch
from sklearn.base import BaseEstimator, clone
from sklearn.utils._param_validation import (
    Interval,
    InvalidParameterError,
    StrOptions,
)

from .._citations import cite
from ..tables import get_table
from ._attention import _AttentionModule, padded_tokens
from ._layers import _PoolingModule

__all__ = ["LeafNetHead", "MLPHead", "AttentionHead"]

#: Formulas per chunk when the attention network predicts.
_INFERENCE_CHUNK = 4096

#: Prefix of the options routed to the head (skorch's ``module__`` style).
_HEAD_PREFIX = "head__"


class LeafNetHead(BaseEstimator):
    """Base class of the heads of LeafNetRegressor and LeafNetClassifier.

    A head holds only its own options; the estimator builds a fresh copy of
    it in ``fit`` (``head_``) and asks it for the network input, the torch
    module, the optimizer and its defaults. Subclasses set the class
    attributes below and implement :meth:`inputs`, :meth:`batch_size` and
    :meth:`build`.

    Attributes
    ----------
    default_lr : float
        Learning rate of the estimator's ``lr="auto"``.
    default_lr_schedule : {"constant", "cosine"}
        Schedule of the estimator's ``lr_schedule="auto"``.
    optimizer : type of torch.optim.Optimizer
        The optimizer (its ``weight_decay`` is the estimator's).

    Examples
    --------
    >>> from sklearn_leafs.neural_network import AttentionHead, LeafNetHead, MLPHead
    >>> issubclass(AttentionHead, LeafNetHead), MLPHead().get_params()
    (True, {})
    """

    default_lr = 1e-2
    default_lr_schedule = "constant"
    optimizer = torch.optim.Adam
    _parameter_constraints: dict = {}

    def inputs(self, A):
        """Network input for the fraction matrix ``A`` (formulas x elements)."""
        raise NotImplementedError

    def batch_size(self, n_samples):
        """Mini-batch size of the estimator's ``batch_size=None``."""
        raise NotImplementedError

    def build(self, M, elements, n_outputs, **shared):
        """The torch module (``shared``: the estimator's network options)."""
        raise NotImplementedError

    @staticmethod
    def n_samples(inputs):
        """Number of formulas in a network input."""
        if isinstance(inputs, dict):
            return len(next(iter(inputs.values())))
        return len(inputs)

    def forward(self, module, inputs, device):
        """Outputs of ``module`` (evaluation mode) as a float64 array."""
        module.eval()
        with torch.no_grad():
            out = module(torch.from_numpy(inputs).to(device)).cpu()
        return out.numpy().astype(np.float64)


class MLPHead(LeafNetHead):
    """Fraction pooling of the learned element vectors, then an MLP (Eq. 4).

    ``H(a . D(M))``: the composition's fraction vector ``a`` pools the
    learned element vectors ``D(M) = ReLU(M W + b)`` and the estimator's MLP
    ``H`` (``hidden_layer_sizes``, ``dropout``) maps the pooled vector to the
    output. The head has no options of its own. Trained with Adam at
    ``lr=1e-2`` and a constant rate by default, on the full batch: each step
    recomputes ``D(M)`` at a cost that does not depend on the batch size.

    See Also
    --------
    AttentionHead : The transformer head.

    Examples
    --------
    >>> from sklearn_leafs.neural_network import LeafNetRegressor, MLPHead
    >>> LeafNetRegressor(head=MLPHead()).head
    MLPHead()
    """

    def inputs(self, A):
        return np.require(A.toarray(), dtype=np.float32, requirements=["C", "W"])

    def batch_size(self, n_samples):
        return n_samples

    def build(self, M, elements, n_outputs, **shared):
        return _PoolingModule(
            M,
            shared["n_components"],
            shared["hidden_layer_sizes"],
            n_outputs,
            dropout=shared["dropout"],
            reconstruction_weight=shared["reconstruction_weight"],
        )


@cite
class AttentionHead(LeafNetHead):
    """Self-attention over the elements of each composition (CrabNet-like).

    Every element of a composition is a token: its element vector projected
    to ``d_model``, plus a sinusoidal encoding of its fraction and of the
    logarithm of its fraction. A transformer encoder
    (``torch.nn.TransformerEncoder``, pre-layer-norm, no positions, padding
    masked) lets the tokens attend to each other; the fraction-weighted and
    the plain mean of the tokens feed the estimator's MLP ``H``. This is
    CrabNet's architecture [1]_ with LEAF element vectors; attention is that
    of [2]_. The prediction does not depend on the order of the elements.

    Trained with AdamW (decoupled weight decay) at ``lr=1e-3`` with a linear
    warm-up and cosine decay by default, on mini-batches of the power of two
    nearest to ``n_samples / 16`` (CrabNet's rule) within [128, 256], at most
    ``n_samples``.

    Options are given to the estimator with the ``head__`` prefix
    (``LeafNetRegressor(head="attention", head__n_layers=2)``) or set here
    (``LeafNetRegressor(head=AttentionHead(n_layers=2))``).

    Parameters
    ----------
    d_model : int, default=128
        Token width; a multiple of ``n_heads``.
    n_heads : int, default=4
        Attention heads per transformer layer.
    n_layers : int, default=3
        Transformer layers.
    dim_feedforward : int, default=256
        Width of the feed-forward block of each transformer layer.
    element_features : {"learned", "table", "both"}, default="learned"
        Element vectors of the tokens: the learned ``D(M)``, the frozen rows
        of ``table`` (standardised per column, missing values set to 0), or
        both concatenated. With ``"table"`` there is no ``D(M)``, so the
        estimator's ``encoder_init`` and ``reconstruction_weight`` must be
        unset.
    table : LeafTable, str, path or DataFrame, default="open-unweighted+"
        The table of ``element_features="table"`` or ``"both"`` (see
        :func:`~sklearn_leafs.tables.get_table`); it needs a row for each of
        M's elements. ``"open-unweighted+"`` is LEAF+ of the open corpus, the
        table the Table 2 figures were measured with (no published table
        covers M's elements in M's order of rows).

    See Also
    --------
    MLPHead : Fraction pooling, as in the paper.

    References
    ----------
    .. [1] {cite:wang2021}.
    .. [2] {cite:vaswani2017}.

    Examples
    --------
    >>> from sklearn_leafs.neural_network import AttentionHead, LeafNetRegressor
    >>> reg = LeafNetRegressor(head="attention", head__n_layers=1)
    >>> reg.get_params()["head__n_layers"]
    1
    >>> AttentionHead(n_layers=1).set_params(d_model=64)
    AttentionHead(d_model=64, n_layers=1)
    """

    default_lr = 1e-3
    default_lr_schedule = "cosine"
    optimizer = torch.optim.AdamW
    _parameter_constraints: dict = {
        "d_model": [Interval(Integral, 1, None, closed="left")],
        "n_heads": [Interval(Integral, 1, None, closed="left")],
        "n_layers": [Interval(Integral, 1, None, closed="left")],
        "dim_feedforward": [Interval(Integral, 1, None, closed="left")],
        "element_features": [StrOptions({"learned", "table", "both"})],
        "table": "no_validation",  # checked by get_table in fit
    }

    def __init__(
        self,
        d_model=128,
        n_heads=4,
        n_layers=3,
        dim_feedforward=256,
        element_features="learned",
        table="open-unweighted+",
    ):
        self.d_model = d_model
        self.n_heads = n_heads
        self.n_layers = n_layers
        self.dim_feedforward = dim_feedforward
        self.element_features = element_features
        self.table = table

    def inputs(self, A):
        index, fraction = padded_tokens(A)
        return {"index": index, "fraction": fraction}

    def batch_size(self, n_samples):
        # about n / 16 (CrabNet's rule) as a power of two within [128, 256]:
        # on a CPU, steps on smaller batches cost nearly as much
        batch_size = int(2 ** np.clip(round(np.log2(n_samples) - 4), 7, 8))
        return min(n_samples, batch_size)

    def build(self, M, elements, n_outputs, **shared):
        if self.d_model % self.n_heads:
            raise ValueError(
                f"d_model={self.d_model} must be a multiple of n_heads={self.n_heads}."
            )
        learned = self.element_features in ("learned", "both")
        if not learned and (
            shared["pretrained"] or shared["reconstruction_weight"] > 0
        ):
            raise ValueError(
                "encoder_init and reconstruction_weight act on D(M), which "
                "element_features='table' does not use."
            )
        table = (
            None
            if self.element_features == "learned"
            else self._table_features(elements)
        )
        return _AttentionModule(
            M if learned else None,
            table,
            shared["n_components"],
            self.d_model,
            self.n_heads,
            self.n_layers,
            self.dim_feedforward,
            shared["hidden_layer_sizes"],
            n_outputs,
            dropout=shared["dropout"],
            reconstruction_weight=shared["reconstruction_weight"],
        )

    def _table_features(self, elements):
        """Standardised rows of ``table`` for M's elements (NaN -> 0)."""
        table = get_table(self.table)
        missing = [e for e in elements if e not in table]
        if missing:
            raise ValueError(
                f"table lacks {len(missing)} of M's elements: {missing[:10]}; "
                "element_features='table' or 'both' needs a row for each."
            )
        values = np.asarray(table.lookup(elements), dtype=np.float64)
        with warnings.catch_warnings():  # all-NaN columns become 0 below
            warnings.simplefilter("ignore", RuntimeWarning)
            mean = np.nanmean(values, axis=0)
            std = np.nanstd(values, axis=0)
        values = (values - mean) / np.where(std > 0, std, 1.0)
        return np.nan_to_num(values, nan=0.0).astype(np.float32)

    def forward(self, module, inputs, device):
        module.eval()
        n = self.n_samples(inputs)
        out = []
        with torch.no_grad():
            for start in range(0, n, _INFERENCE_CHUNK):
                part = {
                    key: torch.from_numpy(value[start : start + _INFERENCE_CHUNK])
                    for key, value in inputs.items()
                }
                out.append(module(**{k: v.to(device) for k, v in part.items()}).cpu())
        return torch.cat(out).numpy().astype(np.float64)


#: The head names accepted by the estimators' ``head`` parameter.
HEADS = {"mlp": MLPHead, "attention": AttentionHead}


class _HeadRouting:
    """``head__*`` options of an estimator, routed to its head in ``fit``.

    The estimator's ``__init__`` takes them as ``**head_params`` and hands
    them to :meth:`_set_head_params`; ``get_params`` reports them next to the
    signature's parameters, so ``set_params``, ``clone`` and ``GridSearchCV``
    treat them as parameters, as skorch does with ``module__*``.
    :meth:`_resolve_head` builds the head in ``fit``.
    """

    def _set_head_params(self, params):
        # stored as given: scikit-learn wants __init__ and set_params never to
        # raise, so a keyword that is not ``head__<option>`` fails in fit; a
        # new dict, so that a shallow copy of the estimator keeps its own
        self._head_options = {**getattr(self, "_head_options", {}), **params}

    def _head_params(self):
        """The extra keyword parameters (``head__*`` options), by full name."""
        return dict(self._head_options)

    def _check_extra_params(self):
        """Refuse extra keywords that are not ``head__<option>``, with a hint."""
        for key, value in self._head_options.items():
            if key.startswith(_HEAD_PREFIX) and key != _HEAD_PREFIX:
                continue
            hint = ""
            for name, head in HEADS.items():
                if key in head().get_params():
                    hint = (
                        f"; {key} is an option of the {name} head: pass "
                        f"head={name!r}, {_HEAD_PREFIX}{key}={value!r}"
                    )
            raise InvalidParameterError(
                f"{type(self).__name__} got an unexpected keyword argument "
                f"{key!r}{hint}."
            )

    def __getattr__(self, name):
        # ``est.head__n_layers`` reads a routed option, as skorch's attributes
        options = self.__dict__.get("_head_options", {})
        if name in options:
            return options[name]
        raise AttributeError(
            f"{type(self).__name__!r} object has no attribute {name!r}"
        )

    def get_params(self, deep=True):
        """Parameters of this estimator, ``head__*`` options included.

        Parameters
        ----------
        deep : bool, default=True
            Also return the parameters of contained estimators.

        Returns
        -------
        params : dict
            Parameter names mapped to their values.
        """
        params = super().get_params(deep=deep)
        params.update(self._head_params())
        return params

    def set_params(self, **params):
        """Set parameters; ``head__*`` options are stored for the head.

        Parameters
        ----------
        **params : dict
            Estimator parameters, and head options as ``head__<option>``
            (checked against the head in ``fit``).

        Returns
        -------
        self : estimator instance
            This estimator.
        """
        names = self._get_param_names()
        extra = {
            key: params.pop(key)
            for key in list(params)
            if key.startswith(_HEAD_PREFIX) or ("__" not in key and key not in names)
        }
        self._set_head_params(extra)
        return super().set_params(**params)

    def _resolve_head(self):
        """A fresh head from ``head`` with the ``head__*`` options applied."""
        self._check_extra_params()
        head = HEADS[self.head]() if isinstance(self.head, str) else clone(self.head)
        options = {k[len(_HEAD_PREFIX) :]: v for k, v in self._head_params().items()}
        valid = head.get_params(deep=False)
        for name in options:
            if name not in valid:
                raise ValueError(
                    f"{_HEAD_PREFIX}{name}: {type(head).__name__} has no option "
                    f"{name!r} (its options: {sorted(valid) or 'none'})."
                )
        head.set_params(**options)
        head._validate_params()
        return head
