"""End-to-end LEAF property models (Eq. 4 of Vasylenko et al.).

``H(a . D(M)) = y``: the multi-hot environment matrix M (elements x
environment bins) passes through a dense layer ``D(M) = ReLU(M W + b)`` that
gives one learned vector per element; a composition's fraction vector ``a``
over M's elements pools those vectors, and an MLP head ``H`` predicts the
property. ``W``, ``b`` and ``H`` are trained together, optionally with the
autoencoder's reconstruction loss of M added (the paper's joint training,
Fig. 4). ``head="attention"`` replaces the pooling by a transformer over the
element tokens of each composition (CrabNet's architecture, see
:mod:`sklearn_leafs._attention`). Built on skorch; torch is imported by the
torch modules only, not by ``import sklearn_leafs``.
"""

from __future__ import annotations

import os
import warnings
from numbers import Integral, Real

import numpy as np
import pandas as pd
import scipy.sparse as sp
import torch
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    RegressorMixin,
    _fit_context,
    clone,
)
from sklearn.exceptions import NotFittedError
from sklearn.preprocessing import LabelEncoder
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, column_or_1d
from skorch import NeuralNet
from skorch.callbacks import LRScheduler
from skorch.dataset import ValidSplit
from torch import nn

from ._attention import _AttentionModule, _RobustL1Loss, padded_tokens
from ._torch import (
    TRAINING_CONSTRAINTS,
    _adam_options,
    _check_validation_split,
    _draw_seed,
    _early_stopping_callbacks,
    _encoder_lr,
    _learned_embeddings,
    _matrix_parts,
    _mlp_head,
    _seeded_torch,
    _sparse_tensor,
    _WarmupCosine,
)
from .autoencoder import LeafAutoencoder
from .featurizers._base import BadRowsError, formula_input, fractions, row_message
from .tables import LeafTable, LocalEnvironmentMatrix, get_table

__all__ = ["LeafNetRegressor", "LeafNetClassifier"]


# --------------------------------------------------------------------------
# the torch model
# --------------------------------------------------------------------------
class _LeafNetModule(nn.Module):
    """``H(a . ReLU(M W + b))`` with an optional reconstruction of M.

    In training mode ``forward`` returns ``(output, reconstruction_loss)``;
    in evaluation mode only ``output``.
    """

    def __init__(
        self,
        M,
        n_components,
        hidden_layer_sizes,
        n_outputs,
        dropout=0.0,
        reconstruction_weight=0.0,
    ):
        super().__init__()
        self.register_buffer("M", _sparse_tensor(M))
        n_elements, n_env = M.shape
        self.embed = nn.Linear(n_env, n_components)
        self.reconstruction_weight = float(reconstruction_weight)
        self.decoder = (
            nn.Linear(n_components, n_env) if self.reconstruction_weight > 0 else None
        )
        self.head = _mlp_head(n_components, hidden_layer_sizes, dropout, n_outputs)

    def embeddings(self):
        """``D(M) = ReLU(M W + b)``: one learned vector per element."""
        return _learned_embeddings(self.M, self.embed)

    def forward(self, A):
        E = self.embeddings()
        out = self.head(A @ E)
        if not self.training:
            return out
        if self.decoder is None:
            return out, out.new_zeros(())
        target = self.M.to_dense()
        recon = nn.functional.mse_loss(torch.sigmoid(self.decoder(E)), target)
        return out, recon


class _LeafNetNet(NeuralNet):
    """skorch net adding the weighted reconstruction loss in training."""

    def get_loss(self, y_pred, y_true, X=None, training=False):
        if isinstance(y_pred, tuple):
            y_pred, recon = y_pred
        else:
            recon = None
        loss = super().get_loss(y_pred, y_true, X=X, training=training)
        weight = self.module_.reconstruction_weight
        if recon is not None and weight > 0:
            loss = loss + weight * recon
        return loss


# --------------------------------------------------------------------------
# input handling
# --------------------------------------------------------------------------
_MATRIX_CACHE = {}

#: Formulas per chunk when the attention model predicts.
_INFERENCE_CHUNK = 4096


def _resolve_matrix(M):
    """Return ``(csr float32 matrix, elements)`` for a matrix-like ``M``."""
    if isinstance(M, str | os.PathLike):
        path = os.fspath(M)
        # a file is re-read when it changes; "default" names the built-in M
        key = (path, os.path.getmtime(path) if os.path.isfile(path) else None)
        if key not in _MATRIX_CACHE:
            _MATRIX_CACHE.clear()
            _MATRIX_CACHE[key] = LocalEnvironmentMatrix.load(path)
        M = _MATRIX_CACHE[key]
    matrix, elements, _, _ = _matrix_parts(M, None)
    matrix = sp.csr_matrix(matrix, dtype=np.float32)
    if len(elements) != matrix.shape[0]:
        raise ValueError(
            f"M has {matrix.shape[0]} rows but {len(elements)} element labels."
        )
    if matrix.nnz and not np.isfinite(matrix.data).all():
        raise ValueError("M contains NaN or infinite values.")
    return matrix, elements


# --------------------------------------------------------------------------
# estimators
# --------------------------------------------------------------------------
class _BaseLeafNet(BaseEstimator):
    """Shared fit/predict machinery of LeafNetRegressor and LeafNetClassifier."""

    _parameter_constraints: dict = {
        "M": "no_validation",  # checked by _resolve_matrix in fit
        "head": [StrOptions({"mlp", "attention"})],
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "hidden_layer_sizes": ["array-like"],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "reconstruction_weight": [Interval(Real, 0, None, closed="left")],
        "encoder_init": [HasMethods(["fit", "transform"]), None],
        "element_features": [StrOptions({"learned", "table", "both"})],
        "table": "no_validation",  # checked by get_table in fit
        "d_model": [Interval(Integral, 1, None, closed="left")],
        "n_heads": [Interval(Integral, 1, None, closed="left")],
        "n_layers": [Interval(Integral, 1, None, closed="left")],
        "dim_feedforward": [Interval(Integral, 1, None, closed="left")],
        "lr_schedule": [StrOptions({"auto", "constant", "cosine"})],
        **TRAINING_CONSTRAINTS,
        "lr": [Interval(Real, 0, None, closed="neither"), StrOptions({"auto"})],
    }

    def __init__(
        self,
        M="default",
        *,
        head="mlp",
        n_components=59,
        hidden_layer_sizes=(128, 64),
        dropout=0.2,
        reconstruction_weight=0.0,
        encoder_init=None,
        element_features="learned",
        table="default+",
        d_model=128,
        n_heads=4,
        n_layers=3,
        dim_feedforward=256,
        lr="auto",
        encoder_lr="auto",
        lr_schedule="auto",
        max_epochs=200,
        batch_size=None,
        weight_decay=0.0,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=1e-4,
        device="cpu",
        random_state=None,
        verbose=0,
    ):
        self.M = M
        self.head = head
        self.n_components = n_components
        self.hidden_layer_sizes = hidden_layer_sizes
        self.dropout = dropout
        self.reconstruction_weight = reconstruction_weight
        self.encoder_init = encoder_init
        self.element_features = element_features
        self.table = table
        self.d_model = d_model
        self.n_heads = n_heads
        self.n_layers = n_layers
        self.dim_feedforward = dim_feedforward
        self.lr = lr
        self.encoder_lr = encoder_lr
        self.lr_schedule = lr_schedule
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.weight_decay = weight_decay
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    # -- input --------------------------------------------------------------
    def _fractions(self, X, *, reset):
        items, labels = formula_input(self, X, reset=reset)
        if len(items) == 0:
            raise ValueError(f"{type(self).__name__} got no formulas (0 rows).")
        try:
            A = fractions(items, self.elements_)
        except BadRowsError as exc:
            raise ValueError(row_message(exc.problems, labels)) from None
        if self.head == "attention":
            index, fraction = padded_tokens(A)
            return {"index": index, "fraction": fraction}
        return np.require(A.toarray(), dtype=np.float32, requirements=["C", "W"])

    def _hidden_sizes(self):
        sizes = np.asarray(self.hidden_layer_sizes).ravel().tolist()
        if not all(isinstance(s, Integral) and s >= 1 for s in sizes):
            raise ValueError(
                "hidden_layer_sizes must be positive integers, got "
                f"{self.hidden_layer_sizes!r}"
            )
        return [int(s) for s in sizes]

    def _lr(self):
        if self.lr != "auto":
            return float(self.lr)
        return 1e-3 if self.head == "attention" else 1e-2

    def _table_features(self):
        """Standardised rows of ``table`` for M's elements (NaN -> 0)."""
        table = get_table(self.table)
        missing = [e for e in self.elements_ if e not in table]
        if missing:
            raise ValueError(
                f"table lacks {len(missing)} of M's elements: {missing[:10]}; "
                "element_features='table' or 'both' needs a row for each."
            )
        values = np.asarray(table.lookup(self.elements_), dtype=np.float64)
        with warnings.catch_warnings():  # all-NaN columns become 0 below
            warnings.simplefilter("ignore", RuntimeWarning)
            mean = np.nanmean(values, axis=0)
            std = np.nanstd(values, axis=0)
        values = (values - mean) / np.where(std > 0, std, 1.0)
        return np.nan_to_num(values, nan=0.0).astype(np.float32)

    def _module(self, matrix, n_outputs):
        hidden = self._hidden_sizes()
        if self.head == "mlp":
            if self.element_features != "learned":
                raise ValueError(
                    f"element_features={self.element_features!r} needs "
                    "head='attention'; the MLP head pools the learned D(M) only."
                )
            return _LeafNetModule(
                matrix,
                self.n_components,
                hidden,
                n_outputs,
                dropout=self.dropout,
                reconstruction_weight=self.reconstruction_weight,
            )
        if self.d_model % self.n_heads:
            raise ValueError(
                f"d_model={self.d_model} must be a multiple of n_heads={self.n_heads}."
            )
        learned = self.element_features in ("learned", "both")
        if not learned and (
            self.encoder_init is not None or self.reconstruction_weight > 0
        ):
            raise ValueError(
                "encoder_init and reconstruction_weight act on D(M), which "
                "element_features='table' does not use."
            )
        table = None if self.element_features == "learned" else self._table_features()
        return _AttentionModule(
            matrix if learned else None,
            table,
            self.n_components,
            self.d_model,
            self.n_heads,
            self.n_layers,
            self.dim_feedforward,
            hidden,
            n_outputs,
            dropout=self.dropout,
            reconstruction_weight=self.reconstruction_weight,
        )

    def _callbacks(self, n_train, batch_size):
        callbacks = _early_stopping_callbacks(self, type(self).__name__)
        schedule = self.lr_schedule
        if schedule == "auto":
            schedule = "cosine" if self.head == "attention" else "constant"
        if schedule == "cosine":
            steps = self.max_epochs * int(np.ceil(n_train / batch_size))
            callbacks.append(
                (
                    "lr_schedule",
                    LRScheduler(
                        policy=torch.optim.lr_scheduler.LambdaLR,
                        lr_lambda=_WarmupCosine(steps),
                        step_every="batch",
                    ),
                )
            )
        return callbacks

    # -- training -----------------------------------------------------------
    def _fit(self, X, y_tensor_fn, n_outputs, criterion, stratify):
        """Shared training; ``y_tensor_fn`` encodes targets (sets attributes)."""
        self._hidden_sizes()
        matrix, self.elements_ = _resolve_matrix(self.M)
        inputs = self._fractions(X, reset=True)
        n_samples = len(inputs["index"]) if isinstance(inputs, dict) else len(inputs)
        y = y_tensor_fn()
        if len(y) != n_samples:
            raise ValueError(f"X has {n_samples} formulas but y has {len(y)} values.")
        n_train = n_samples
        if self.early_stopping:
            _check_validation_split(
                n_samples, self.validation_fraction, type(self).__name__
            )
            n_train -= int(np.ceil(n_samples * self.validation_fraction))
        seed = _draw_seed(self.random_state)
        if self.batch_size is not None:
            batch_size = self.batch_size
        elif self.head == "attention":
            # about n / 16 (CrabNet's rule) as a power of two within [128, 256]:
            # on a CPU, steps on smaller batches cost nearly as much
            batch_size = int(2 ** np.clip(round(np.log2(n_samples) - 4), 7, 8))
            batch_size = min(n_samples, batch_size)
        else:
            batch_size = n_samples
        lr = self._lr()
        if self.head == "attention":
            optimizer = dict(optimizer=torch.optim.AdamW)
        else:
            optimizer = dict(optimizer=torch.optim.Adam)
        with _seeded_torch(seed, self.device):
            module = self._module(matrix, n_outputs)
            self._init_from_encoder(module, matrix)
            groups = []
            if getattr(module, "embed", None) is not None:
                groups = [("embed.*", {"lr": _encoder_lr(self.encoder_lr, lr, matrix)})]
            self.net_ = _LeafNetNet(
                module=module,
                criterion=criterion,
                **optimizer,
                optimizer__weight_decay=self.weight_decay,
                optimizer__param_groups=groups,
                **_adam_options(),
                lr=lr,
                max_epochs=self.max_epochs,
                batch_size=batch_size,
                iterator_train__shuffle=True,
                train_split=(
                    ValidSplit(
                        self.validation_fraction,
                        stratified=stratify,
                        random_state=seed,
                    )
                    if self.early_stopping
                    else None
                ),
                callbacks=self._callbacks(n_train, batch_size),
                callbacks__print_log=None,
                device=self.device,
                verbose=0,
            )
            self.net_.fit(inputs, y)
        self.history_ = self.net_.history
        self.n_epochs_ = len(self.history_)
        self.leaf_table_ = (
            self._leaf_table(matrix)
            if getattr(self.net_.module_, "embed", None) is not None
            else None
        )
        return self

    def _init_from_encoder(self, module, matrix):
        ae = self.encoder_init
        if ae is None:
            return
        ae = getattr(ae, "estimator", ae)  # unwrap sklearn.frozen.FrozenEstimator
        if not isinstance(ae, LeafAutoencoder):
            raise ValueError(
                "encoder_init must be a LeafAutoencoder (optionally wrapped in "
                f"sklearn.frozen.FrozenEstimator) or None, got {type(ae).__name__}."
            )
        if ae.n_components != self.n_components:
            raise ValueError(
                f"encoder_init has n_components={ae.n_components}, but this model "
                f"has n_components={self.n_components}."
            )
        try:
            check_is_fitted(ae)
        except NotFittedError:
            ae = clone(ae).fit(matrix)
        if ae.n_features_in_ != matrix.shape[1]:
            raise ValueError(
                f"encoder_init was fitted on {ae.n_features_in_} columns, but M has "
                f"{matrix.shape[1]}."
            )
        source = ae.net_.module_
        with torch.no_grad():
            module.embed.weight.copy_(source.encoder.weight.detach().cpu())
            module.embed.bias.copy_(source.encoder.bias.detach().cpu())
            if module.decoder is not None:
                module.decoder.weight.copy_(source.decoder.weight.detach().cpu())
                module.decoder.bias.copy_(source.decoder.bias.detach().cpu())

    def _leaf_table(self, matrix):

        module = self.net_.module_
        module.eval()
        with torch.no_grad():
            E = module.embeddings().cpu().numpy().astype(np.float64)
        names = [f"leafnet{i}" for i in range(E.shape[1])]
        frame = pd.DataFrame(E, index=pd.Index(self.elements_, name="element"))
        frame.columns = names
        provenance = {
            "source": type(self).__name__,
            "n_components": int(self.n_components),
            "reconstruction_weight": float(self.reconstruction_weight),
            "n_epochs": int(self.n_epochs_),
            "n_input_features": int(matrix.shape[1]),
        }
        return LeafTable.from_frame(frame, provenance=provenance)

    def _forward(self, X):
        check_is_fitted(self)
        inputs = self._fractions(X, reset=False)
        module = self.net_.module_
        module.eval()
        device = self.net_.device
        out = []
        with torch.no_grad():
            if isinstance(inputs, dict):
                n = len(inputs["index"])
                for start in range(0, n, _INFERENCE_CHUNK):
                    part = {
                        key: torch.from_numpy(value[start : start + _INFERENCE_CHUNK])
                        for key, value in inputs.items()
                    }
                    out.append(
                        module(**{k: v.to(device) for k, v in part.items()}).cpu()
                    )
            else:
                out.append(module(torch.from_numpy(inputs).to(device)).cpu())
        return torch.cat(out).numpy().astype(np.float64)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        tags.non_deterministic = False
        return tags


_SHARED_DOC = """
    Parameters
    ----------
    M : str, path, LocalEnvironmentMatrix or DataFrame, default="default"
        The multi-hot local-environment matrix (elements x environment bins):
        a name or ``.npz`` path for ``LocalEnvironmentMatrix.load``, a
        ``LocalEnvironmentMatrix`` (or any object with ``matrix`` and
        ``elements``), or a DataFrame indexed by element symbol. Formulas may
        only contain M's elements.
    head : {"mlp", "attention"}, default="mlp"
        ``"mlp"``: the composition's fractions pool the element vectors and an
        MLP ``H`` maps the pooled vector to the output (Eq. 4 as in the
        paper). ``"attention"``: every element of a composition is a token
        (its element vector projected to ``d_model``, plus a sinusoidal
        encoding of its fraction and of the logarithm of its fraction); a
        transformer encoder (``torch.nn.TransformerEncoder``, no positions,
        padding masked) lets the tokens attend to each other; the
        fraction-weighted and the plain mean of the tokens (padding masked)
        feed the MLP ``H``. This is CrabNet's architecture with LEAF element
        vectors. The prediction does not depend on the order of the elements.
    n_components : int, default=59
        Size of the learned element vectors ``D(M)``.
    hidden_layer_sizes : array-like of int, default=(128, 64)
        Hidden layers (ReLU) of the head ``H``; ``()`` makes ``H`` linear.
    dropout : float, default=0.2
        Dropout after each hidden layer of the head (and, for
        ``head="attention"``, inside the transformer layers).
    reconstruction_weight : float, default=0.0
        Weight of the autoencoder reconstruction loss of M (sigmoid decoder,
        mean squared error) added to the task loss; 0 turns joint training
        off.
    encoder_init : LeafAutoencoder, default=None
        Pretraining: an autoencoder with the same ``n_components`` whose
        encoder (and, for joint training, decoder) weights initialise ``D``.
        An unfitted one is fitted on M at the start of every ``fit``. As
        ``clone`` (used by ``cross_val_score`` and ``GridSearchCV``) unfits
        estimator parameters, pass a fitted autoencoder wrapped in
        ``sklearn.frozen.FrozenEstimator`` to train it only once.
    element_features : {"learned", "table", "both"}, default="learned"
        Element vectors of the attention head's tokens: the learned
        ``D(M)``, the frozen rows of ``table`` (standardised per column,
        missing values set to 0), or both concatenated. Anything but
        ``"learned"`` needs ``head="attention"``.
    table : LeafTable, str, path or DataFrame, default="default+"
        The table of ``element_features="table"`` or ``"both"`` (see
        :func:`~sklearn_leafs.tables.get_table`); it needs a row for
        each of M's elements. ``"default+"`` is LEAF+.
    d_model : int, default=128
        Token width of the attention head; a multiple of ``n_heads``.
    n_heads : int, default=4
        Attention heads per transformer layer.
    n_layers : int, default=3
        Transformer layers (pre-layer-norm).
    dim_feedforward : int, default=256
        Width of the feed-forward block of each transformer layer.
    lr : float or "auto", default="auto"
        Learning rate (of the head, and of ``D`` when ``encoder_lr`` is
        None). ``"auto"``: 1e-2 for ``head="mlp"``, 1e-3 for
        ``head="attention"``. The optimizer is Adam for the MLP head and
        AdamW (decoupled weight decay) for the attention head.
    encoder_lr : float, "auto" or None, default="auto"
        Adam learning rate of ``D``'s weights. ``"auto"`` uses
        ``lr / sqrt(mean number of ones per row of M)``: with one shared rate,
        the thousands of ones in each row of M push most ReLU units of ``D`` to
        zero within a few steps. ``None`` uses ``lr``.
    lr_schedule : {"auto", "constant", "cosine"}, default="auto"
        ``"cosine"``: linear warm-up over the first 5% of the optimizer steps
        of ``max_epochs`` epochs, then cosine decay to zero. ``"auto"``:
        constant for ``head="mlp"``, cosine for ``head="attention"``.
    max_epochs : int, default=200
        Passes over the training formulas.
    batch_size : int or None, default=None
        Formulas per mini-batch. ``None``: all of them (full batch) for
        ``head="mlp"``, whose steps recompute ``D(M)`` at a cost that does not
        depend on the batch size; for ``head="attention"`` the power of two
        nearest to ``n_samples / 16`` (CrabNet's rule) within [128, 256], at
        most ``n_samples``.
    weight_decay : float, default=0.0
        Weight decay: an L2 penalty in Adam (``head="mlp"``), decoupled in
        AdamW (``head="attention"``).
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the formulas (stratified for the
        classifier) and stop when the validation loss stalls; the best
        weights are restored.
    validation_fraction : float, default=0.1
        Held-out fraction for early stopping.
    n_iter_no_change : int, default=10
        Patience of early stopping, in epochs.
    tol : float, default=1e-4
        Relative improvement that counts for early stopping.
    device : str, default="cpu"
        Torch device. Results are bit-for-bit reproducible on CPU only.
    random_state : int, RandomState instance or None, default=None
        Seeds initialisation, shuffling and the validation split; torch's
        global random state is left untouched.
    verbose : int, default=0
        Show a per-epoch progress bar (tqdm); epochs are also logged at INFO
        level on the ``sklearn_leafs.autoencoder`` logger.
"""

_SHARED_ATTRIBUTES = """
    net_ : skorch.NeuralNet
        The trained network; ``net_.module_`` is the torch module.
    history_ : skorch.History
        Per-epoch training record.
    n_epochs_ : int
        Number of epochs run.
    elements_ : list of str
        M's elements, the order of the fraction vector ``a``.
    leaf_table_ : LeafTable or None
        The learned element vectors ``D(M)``, elements x ``leafnet0..``; use
        it anywhere a table is accepted. None with
        ``element_features="table"`` (no ``D(M)``).
    n_features_in_ : int
        Always 1 (one column of formulas).
    feature_names_in_ : ndarray of str
        The column name, when fitted on a DataFrame.
"""


class LeafNetRegressor(RegressorMixin, _BaseLeafNet):
    __doc__ = (
        """Regression on formulas with learned LEAFs, trained end to end.

    Eq. 4 of Vasylenko et al. 2024 [1]_:

    ``y = H(a . D(M))`` with ``D(M) = ReLU(M W + b)``: M's rows (one per
    element) pass through a dense layer, the composition's fraction vector
    ``a`` pools the resulting element vectors, and an MLP head ``H`` maps the
    pooled vector to the target. Targets are standardised internally and the
    loss is the mean squared error.
"""
        + _SHARED_DOC
        + """
    Attributes
    ----------"""
        + _SHARED_ATTRIBUTES
        + """
    See Also
    --------
    LeafNetClassifier : The classification counterpart.
    LeafAutoencoder : Learned LEAFs without a property.

    References
    ----------
    .. [1] A. Vasylenko, D. Antypov, S. Schewe, L. M. Daniels, J. B. Claridge,
       M. S. Dyer and M. J. Rosseinsky, "Digital features of chemical elements
       extracted from local geometries in crystal structures" (2024),
       https://github.com/lrcfmd/LEAF (Eq. 4, Table 2).
    .. [2] A. Y.-T. Wang, S. K. Kauwe, R. J. Murdock and T. D. Sparks,
       "Compositionally restricted attention-based network for materials
       property predictions", npj Comput. Mater. 7, 77 (2021) (CrabNet).
    .. [3] A. Vaswani et al., "Attention is all you need", Advances in Neural
       Information Processing Systems 30 (2017).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_leafs import LeafNetRegressor
    >>> from sklearn_leafs.tables._multihot import LocalEnvironmentMatrix
    >>> M = LocalEnvironmentMatrix(
    ...     np.eye(4), ["Li", "O", "Na", "Cl"], ["e0", "e1", "e2", "e3"]
    ... )
    >>> X = ["Li2O", "NaCl", "LiCl", "Na2O"]
    >>> y = [1.0, 2.0, 1.5, 1.5]
    >>> reg = LeafNetRegressor(M, n_components=8, dropout=0.0, random_state=0)
    >>> reg.fit(X, y).predict(["NaCl"]).round(1)
    array([2.])
    >>> reg.leaf_table_.values.shape
    (4, 8)

    The attention head (CrabNet-like) on the same data, with a tiny
    transformer; the order of the elements in a formula does not matter:

    >>> att = LeafNetRegressor(
    ...     M, head="attention", n_components=4, d_model=8, n_heads=2,
    ...     n_layers=1, dim_feedforward=16, max_epochs=20, random_state=0,
    ... ).fit(X, y)
    >>> bool(np.allclose(att.predict(["NaCl"]), att.predict(["ClNa"])))
    True
    """
    )

    _parameter_constraints: dict = {
        **_BaseLeafNet._parameter_constraints,
        "loss": [StrOptions({"squared_error", "absolute_error", "robust"})],
    }

    def __init__(
        self,
        M="default",
        *,
        head="mlp",
        n_components=59,
        hidden_layer_sizes=(128, 64),
        dropout=0.2,
        reconstruction_weight=0.0,
        encoder_init=None,
        element_features="learned",
        table="default+",
        d_model=128,
        n_heads=4,
        n_layers=3,
        dim_feedforward=256,
        lr="auto",
        encoder_lr="auto",
        lr_schedule="auto",
        max_epochs=200,
        batch_size=None,
        weight_decay=0.0,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=1e-4,
        device="cpu",
        random_state=None,
        verbose=0,
        loss="squared_error",
    ):
        super().__init__(
            M,
            head=head,
            n_components=n_components,
            hidden_layer_sizes=hidden_layer_sizes,
            dropout=dropout,
            reconstruction_weight=reconstruction_weight,
            encoder_init=encoder_init,
            element_features=element_features,
            table=table,
            d_model=d_model,
            n_heads=n_heads,
            n_layers=n_layers,
            dim_feedforward=dim_feedforward,
            lr=lr,
            encoder_lr=encoder_lr,
            lr_schedule=lr_schedule,
            max_epochs=max_epochs,
            batch_size=batch_size,
            weight_decay=weight_decay,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            n_iter_no_change=n_iter_no_change,
            tol=tol,
            device=device,
            random_state=random_state,
            verbose=verbose,
        )
        self.loss = loss

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Train on formulas ``X`` and targets ``y``.

        Parameters
        ----------
        X : list-like of str or Composition, or one-column 2-D input
            Formulas.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets.

        Returns
        -------
        self : LeafNetRegressor
            The fitted estimator.
        """
        y = np.asarray(y, dtype=np.float64)
        if y.ndim not in (1, 2) or not np.isfinite(y).all():
            raise ValueError("y must be a finite 1-D or 2-D array of numbers.")
        self._y_1d = y.ndim == 1
        y2 = y.reshape(len(y), -1)
        self._y_mean = y2.mean(axis=0)
        scale = y2.std(axis=0)
        self._y_scale = np.where(scale > 0, scale, 1.0)

        def targets():
            return ((y2 - self._y_mean) / self._y_scale).astype(np.float32)

        n_outputs = y2.shape[1]
        if self.loss == "robust":
            return self._fit(X, targets, 2 * n_outputs, _RobustL1Loss, stratify=False)
        criterion = nn.L1Loss if self.loss == "absolute_error" else nn.MSELoss
        return self._fit(X, targets, n_outputs, criterion, stratify=False)

    def predict(self, X):
        """Predict targets for formulas.

        Parameters
        ----------
        X : list-like of str or Composition, or one-column 2-D input
            Formulas.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            Predictions.
        """
        out = self._forward(X)
        if self.loss == "robust":  # (means, log-scales): keep the means
            out = out[:, : out.shape[1] // 2]
        out = out * self._y_scale + self._y_mean
        return out.ravel() if self._y_1d else out


class LeafNetClassifier(ClassifierMixin, _BaseLeafNet):
    __doc__ = (
        """Classification of formulas with learned LEAFs, trained end to end.

    Eq. 4 of Vasylenko et al. 2024 [1]_:

    ``p(y | x) = softmax(H(a . D(M)))`` with ``D(M) = ReLU(M W + b)``: M's
    rows (one per element) pass through a dense layer, the composition's
    fraction vector ``a`` pools the resulting element vectors, and an MLP head
    ``H`` gives class logits. The loss is the cross-entropy.
"""
        + _SHARED_DOC
        + """
    Attributes
    ----------
    classes_ : ndarray
        Class labels."""
        + _SHARED_ATTRIBUTES
        + """
    See Also
    --------
    LeafNetRegressor : The regression counterpart.

    References
    ----------
    .. [1] A. Vasylenko, D. Antypov, S. Schewe, L. M. Daniels, J. B. Claridge,
       M. S. Dyer and M. J. Rosseinsky, "Digital features of chemical elements
       extracted from local geometries in crystal structures" (2024),
       https://github.com/lrcfmd/LEAF (Eq. 4, Table 2).
    .. [2] A. Y.-T. Wang, S. K. Kauwe, R. J. Murdock and T. D. Sparks,
       "Compositionally restricted attention-based network for materials
       property predictions", npj Comput. Mater. 7, 77 (2021) (CrabNet).
    .. [3] A. Vaswani et al., "Attention is all you need", Advances in Neural
       Information Processing Systems 30 (2017).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_leafs import LeafNetClassifier
    >>> from sklearn_leafs.tables._multihot import LocalEnvironmentMatrix
    >>> M = LocalEnvironmentMatrix(
    ...     np.eye(4), ["Li", "O", "Na", "Cl"], ["e0", "e1", "e2", "e3"]
    ... )
    >>> X = ["Li2O", "LiCl", "Na2O", "NaCl"]
    >>> y = ["li", "li", "na", "na"]
    >>> clf = LeafNetClassifier(M, n_components=3, random_state=0)
    >>> clf.fit(X, y).predict(["LiCl", "NaCl"])
    array(['li', 'na'], dtype='<U2')
    >>> clf.predict_proba(["LiCl"]).shape
    (1, 2)
    """
    )

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Train on formulas ``X`` and class labels ``y``.

        Parameters
        ----------
        X : list-like of str or Composition, or one-column 2-D input
            Formulas.
        y : array-like of shape (n_samples,)
            Class labels.

        Returns
        -------
        self : LeafNetClassifier
            The fitted estimator.
        """
        y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        encoder = LabelEncoder().fit(y)
        self.classes_ = encoder.classes_
        if len(self.classes_) < 2:
            raise ValueError(
                f"{type(self).__name__} needs at least 2 classes; y has only "
                f"{self.classes_.tolist()}."
            )

        def targets():
            return encoder.transform(y).astype(np.int64)

        return self._fit(
            X, targets, len(self.classes_), nn.CrossEntropyLoss, stratify=True
        )

    def predict_proba(self, X):
        """Class probabilities for formulas.

        Parameters
        ----------
        X : list-like of str or Composition, or one-column 2-D input
            Formulas.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probabilities, columns in the order of ``classes_``.
        """
        logits = self._forward(X)
        logits -= logits.max(axis=1, keepdims=True)
        proba = np.exp(logits)
        return proba / proba.sum(axis=1, keepdims=True)

    def predict(self, X):
        """Most probable class for each formula.

        Parameters
        ----------
        X : list-like of str or Composition, or one-column 2-D input
            Formulas.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Predicted labels.
        """
        scores = self._forward(X)  # checks that the model is fitted first
        return self.classes_[np.argmax(scores, axis=1)]
