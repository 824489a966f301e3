"""End-to-end LEAF property models (Eq. 4 of Vasylenko et al.).

``H(a . D(M)) = y``: the multi-hot environment matrix M (elements x
environment bins) passes through a dense layer ``D(M) = ReLU(M W + b)`` that
gives one learned vector per element; a composition's fraction vector ``a``
over M's elements pools those vectors, and an MLP head ``H`` predicts the
property. ``W``, ``b`` and ``H`` are trained together, optionally with the
autoencoder's reconstruction loss of M added (the paper's joint training,
Fig. 4). Built on skorch; torch is imported by this module only.
"""

from __future__ import annotations

import os
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
from sklearn.utils._param_validation import HasMethods, Interval
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, column_or_1d
from skorch import NeuralNet
from skorch.dataset import ValidSplit
from torch import nn

from ._torch import (
    TRAINING_CONSTRAINTS,
    _adam_options,
    _check_validation_split,
    _draw_seed,
    _early_stopping_callbacks,
    _encoder_lr,
    _matrix_parts,
    _seeded_torch,
    _sparse_tensor,
)
from .autoencoder import LeafAutoencoder
from .composition import fraction_matrix
from .featurizers._base import formula_items

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
        layers, width = [], n_components
        for size in hidden_layer_sizes:
            layers += [nn.Linear(width, size), nn.ReLU()]
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
            width = size
        layers.append(nn.Linear(width, n_outputs))
        self.head = nn.Sequential(*layers)

    def embeddings(self):
        """``D(M) = ReLU(M W + b)``: one learned vector per element."""
        return torch.relu(
            torch.sparse.mm(self.M, self.embed.weight.T) + self.embed.bias
        )

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


def _resolve_matrix(M):
    """Return ``(csr float32 matrix, elements)`` for a matrix-like ``M``."""
    if isinstance(M, str | os.PathLike):
        from .multihot import LocalEnvironmentMatrix

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
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "hidden_layer_sizes": ["array-like"],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "reconstruction_weight": [Interval(Real, 0, None, closed="left")],
        "encoder_init": [HasMethods(["fit", "transform"]), None],
        **TRAINING_CONSTRAINTS,
    }

    def __init__(
        self,
        M="default",
        *,
        n_components=59,
        hidden_layer_sizes=(128, 64),
        dropout=0.2,
        reconstruction_weight=0.0,
        encoder_init=None,
        lr=1e-2,
        encoder_lr="auto",
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
        self.n_components = n_components
        self.hidden_layer_sizes = hidden_layer_sizes
        self.dropout = dropout
        self.reconstruction_weight = reconstruction_weight
        self.encoder_init = encoder_init
        self.lr = lr
        self.encoder_lr = encoder_lr
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
        items = formula_items(self, X, reset=reset)
        if len(items) == 0:
            raise ValueError(f"{type(self).__name__} got no formulas (0 rows).")
        A = fraction_matrix(items, self.elements_, errors="raise")
        return np.require(A.toarray(), dtype=np.float32, requirements=["C", "W"])

    def _hidden_sizes(self):
        sizes = np.asarray(self.hidden_layer_sizes).ravel().tolist()
        if not all(isinstance(s, Integral) and s >= 1 for s in sizes):
            raise ValueError(
                "hidden_layer_sizes must be positive integers, got "
                f"{self.hidden_layer_sizes!r}"
            )
        return [int(s) for s in sizes]

    # -- training -----------------------------------------------------------
    def _fit(self, X, y_tensor_fn, n_outputs, criterion, stratify):
        """Shared training; ``y_tensor_fn`` encodes targets (sets attributes)."""
        hidden = self._hidden_sizes()
        matrix, self.elements_ = _resolve_matrix(self.M)
        A = self._fractions(X, reset=True)
        y = y_tensor_fn()
        if len(y) != len(A):
            raise ValueError(f"X has {len(A)} formulas but y has {len(y)} values.")
        if self.early_stopping:
            _check_validation_split(
                len(A), self.validation_fraction, type(self).__name__
            )
        seed = _draw_seed(self.random_state)
        batch_size = len(A) if self.batch_size is None else self.batch_size
        with _seeded_torch(seed, self.device):
            module = _LeafNetModule(
                matrix,
                self.n_components,
                hidden,
                n_outputs,
                dropout=self.dropout,
                reconstruction_weight=self.reconstruction_weight,
            )
            self._init_from_encoder(module, matrix)
            self.net_ = _LeafNetNet(
                module=module,
                criterion=criterion,
                optimizer=torch.optim.Adam,
                optimizer__weight_decay=self.weight_decay,
                optimizer__param_groups=[
                    ("embed.*", {"lr": _encoder_lr(self.encoder_lr, self.lr, matrix)})
                ],
                **_adam_options(),
                lr=self.lr,
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
                callbacks=_early_stopping_callbacks(self, type(self).__name__),
                callbacks__print_log=None,
                device=self.device,
                verbose=0,
            )
            self.net_.fit(A, y)
        self.history_ = self.net_.history
        self.n_epochs_ = len(self.history_)
        self.leaf_table_ = self._leaf_table(matrix)
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
        from .table import LeafTable

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
        A = self._fractions(X, reset=False)
        module = self.net_.module_
        module.eval()
        with torch.no_grad():
            out = module(torch.from_numpy(A).to(self.net_.device))
        return out.cpu().numpy().astype(np.float64)

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
    n_components : int, default=59
        Size of the learned element vectors ``D(M)``.
    hidden_layer_sizes : array-like of int, default=(128, 64)
        Hidden layers (ReLU) of the head ``H``; ``()`` makes ``H`` linear.
    dropout : float, default=0.2
        Dropout after each hidden layer of the head.
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
    lr : float, default=1e-2
        Adam learning rate (of the head, and of ``D`` when ``encoder_lr`` is
        None).
    encoder_lr : float, "auto" or None, default="auto"
        Adam learning rate of ``D``'s weights. ``"auto"`` uses
        ``lr / sqrt(mean number of ones per row of M)``: with one shared rate,
        the thousands of ones in each row of M push most ReLU units of ``D`` to
        zero within a few steps. ``None`` uses ``lr``.
    max_epochs : int, default=200
        Passes over the training formulas.
    batch_size : int or None, default=None
        Formulas per mini-batch; ``None`` uses all of them (full batch). Each
        step recomputes ``D(M)``, whose cost does not depend on the batch
        size, so full batches are the fastest per epoch.
    weight_decay : float, default=0.0
        L2 penalty passed to Adam.
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
    leaf_table_ : LeafTable
        The learned element vectors ``D(M)``, elements x ``leafnet0..``; use
        it anywhere a table is accepted.
    n_features_in_ : int
        Always 1 (one column of formulas).
    feature_names_in_ : ndarray of str
        The column name, when fitted on a DataFrame.
"""


class LeafNetRegressor(RegressorMixin, _BaseLeafNet):
    __doc__ = (
        """Regression on formulas with learned LEAFs, trained end to end (Eq. 4).

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

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_leafs import LeafNetRegressor
    >>> from sklearn_leafs.multihot import LocalEnvironmentMatrix
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
    """
    )

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

        return self._fit(X, targets, y2.shape[1], nn.MSELoss, stratify=False)

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
        out = self._forward(X) * self._y_scale + self._y_mean
        return out.ravel() if self._y_1d else out


class LeafNetClassifier(ClassifierMixin, _BaseLeafNet):
    __doc__ = (
        """Classification of formulas with learned LEAFs, trained end to end (Eq. 4).

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

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_leafs import LeafNetClassifier
    >>> from sklearn_leafs.multihot import LocalEnvironmentMatrix
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
        return self.classes_[np.argmax(self._forward(X), axis=1)]
