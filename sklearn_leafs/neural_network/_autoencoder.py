"""Learned LEAFs: a shallow autoencoder for the multi-hot environment matrix M.

Vasylenko et al. reduce the multi-hot local-environment matrix M (one row per
element, ~21,706 binary columns) to dense element vectors with a one-layer
autoencoder: a ReLU latent layer of 59 units and a sigmoid reconstruction.
:class:`LeafAutoencoder` brings that model to scikit-learn through a skorch
``NeuralNet``; :func:`table_from_autoencoder` turns the latent vectors of M's
rows into a :class:`~sklearn_leafs.tables.LeafTable`.
"""

from __future__ import annotations

from numbers import Integral

import numpy as np
import scipy.sparse as sp
import torch
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    _fit_context,
)
from sklearn.utils import check_array
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data
from skorch import NeuralNet
from skorch.dataset import ValidSplit
from torch import nn

from .._citations import cite
from ..tables import LeafTable
from ._matrix import _matrix_parts
from ._training import (
    TRAINING_CONSTRAINTS,
    _adam_options,
    _check_validation_split,
    _dense_float32,
    _draw_seed,
    _early_stopping_callbacks,
    _encoder_lr,
    _seeded_torch,
    _training_input,
)

__all__ = ["LeafAutoencoder", "table_from_autoencoder"]

#: Rows per chunk when the fitted model is applied (transform, score, ...).
_INFERENCE_CHUNK = 4096


# --------------------------------------------------------------------------
# the torch model
# --------------------------------------------------------------------------
class _AutoencoderModule(nn.Module):
    """Linear -> ReLU latent layer, Linear -> (sigmoid) reconstruction.

    ``forward`` returns the reconstruction *logits*; the sigmoid is applied in
    the loss (numerically stable BCE) and in ``reconstruct``.
    """

    def __init__(self, n_features=1, n_components=59):
        super().__init__()
        self.encoder = nn.Linear(n_features, n_components)
        self.decoder = nn.Linear(n_components, n_features)

    def encode(self, X):
        return torch.relu(self.encoder(X))

    def reconstruct(self, Z):
        return torch.sigmoid(self.decoder(Z))

    def forward(self, X):
        return self.decoder(self.encode(X))


class _SigmoidMSELoss(nn.Module):
    """Mean squared error between ``sigmoid(logits)`` and the target."""

    def __init__(self, reduction="mean"):
        super().__init__()
        self.reduction = reduction

    def forward(self, logits, target):
        return nn.functional.mse_loss(
            torch.sigmoid(logits), target, reduction=self.reduction
        )


_LOSSES = {"mse": _SigmoidMSELoss, "bce": nn.BCEWithLogitsLoss}


class _AutoencoderNet(NeuralNet):
    """skorch net whose target is its own input."""

    def get_loss(self, y_pred, y_true, X=None, training=False):
        return super().get_loss(y_pred, X, X=X, training=training)


# --------------------------------------------------------------------------
# the estimator
# --------------------------------------------------------------------------
@cite
class LeafAutoencoder(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """Shallow autoencoder that learns dense element vectors from M.

    The model is the one of Vasylenko et al.: a single latent layer
    ``Z = ReLU(X W + b)`` of ``n_components`` units and a reconstruction
    ``sigmoid(Z W' + b')``, trained with Adam on a mean squared error
    (``loss="mse"``, the paper's choice) or a binary cross-entropy
    (``loss="bce"``). It is built on a skorch ``NeuralNet``.

    The defaults train the paper's model on the package's multi-hot matrix M
    without dead latent units. The paper's own settings are ``lr=1e-5,
    encoder_lr=None, max_epochs=500`` (with the ``"mse"`` loss); with them the
    loss decreases far more slowly. Training times and reconstruction figures
    are in the user guide (:doc:`/user_guide/autoencoder`) and
    ``benchmarks/autoencoder.py``.

    The encoder gets its own, smaller learning rate (``encoder_lr="auto"``):
    with Adam and a single rate, the thousands of ones in each row of M push
    most ReLU units to zero for every element within a few steps.

    Parameters
    ----------
    n_components : int, default=59
        Size of the latent layer (the number of learned LEAFs).
    loss : {"mse", "bce"}, default="mse"
        Reconstruction loss on the sigmoid output: the paper's mean squared
        error, or binary cross-entropy (inputs must lie in [0, 1]). On the
        default M, ``"bce"`` recovers more of M's ones and its table scores
        higher on Table 1 (figures in the user guide,
        :doc:`/user_guide/autoencoder`).
    lr : float, default=1e-3
        Adam learning rate of the decoder (and of the encoder when
        ``encoder_lr=None``). The paper uses ``1e-5``.
    encoder_lr : float, "auto" or None, default="auto"
        Adam learning rate of the encoder. ``"auto"`` uses
        ``lr / sqrt(mean number of nonzeros per row)`` (about ``lr / 49`` on
        the default M); ``None`` uses ``lr``.
    max_epochs : int, default=200
        Number of passes over the data (fewer with early stopping). The paper
        uses 500.
    batch_size : int or None, default=None
        Rows per mini-batch; ``None`` trains on all rows at once (full batch,
        the natural choice for M's ~86 rows).
    weight_decay : float, default=0.0
        L2 penalty passed to Adam.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the rows and stop when the
        validation loss has not improved by a relative ``tol`` for
        ``n_iter_no_change`` epochs; the best weights are restored.
    validation_fraction : float, default=0.1
        Fraction of rows held out when ``early_stopping=True``.
    n_iter_no_change : int, default=10
        Patience of early stopping, in epochs.
    tol : float, default=1e-4
        Relative improvement that counts for early stopping.
    device : str, default="cpu"
        Torch device, e.g. ``"cuda"``. Results are bit-for-bit reproducible
        on CPU only.
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, batch shuffling and the validation
        split. With a fixed value, results on CPU are bit-for-bit
        reproducible; torch's global random state is left untouched.
    verbose : int, default=0
        Show a per-epoch progress bar (tqdm) with the losses. Each epoch is
        also logged at INFO level on the ``sklearn_leafs.neural_network`` logger.

    Attributes
    ----------
    net_ : skorch.NeuralNet
        The trained skorch network; ``net_.module_`` is the torch module.
    history_ : skorch.History
        Per-epoch training record (``history_[:, "train_loss"]``, and
        ``"valid_loss"`` with early stopping).
    n_epochs_ : int
        Number of epochs actually run.
    reconstruction_error_ : float
        Mean ``loss`` of the fitted model over the training data.
    n_features_in_ : int
        Number of input columns.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names of a DataFrame input.

    See Also
    --------
    table_from_autoencoder : Turn the latent vectors of M's rows into a
        :class:`~sklearn_leafs.tables._leaf_table.LeafTable`.

    References
    ----------
    .. [1] {cite:vasylenko2024}.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_leafs.neural_network import LeafAutoencoder
    >>> rng = np.random.RandomState(0)
    >>> M = (rng.rand(20, 50) < 0.2).astype(float)
    >>> ae = LeafAutoencoder(n_components=4, max_epochs=20, random_state=0)
    >>> Z = ae.fit_transform(M)
    >>> Z.shape
    (20, 4)
    >>> ae.inverse_transform(Z).shape
    (20, 50)
    >>> bool(np.allclose(ae.score(M), -ae.reconstruction_error_))
    True
    """

    _parameter_constraints: dict = {
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "loss": [StrOptions({"mse", "bce"})],
        **TRAINING_CONSTRAINTS,
    }

    def __init__(
        self,
        n_components=59,
        *,
        loss="mse",
        lr=1e-3,
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
        self.n_components = n_components
        self.loss = loss
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

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Train the autoencoder on the rows of ``X``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training rows, e.g. the multi-hot matrix M (one row per element).
        y : None
            Ignored.

        Returns
        -------
        self : LeafAutoencoder
            The fitted estimator.
        """
        X = validate_data(self, X, accept_sparse="csr", dtype=[np.float32, np.float64])
        self._check_loss_domain(X)
        n_samples, n_features = X.shape
        if self.early_stopping:
            _check_validation_split(
                n_samples, self.validation_fraction, type(self).__name__
            )
        seed = _draw_seed(self.random_state)
        batch_size = n_samples if self.batch_size is None else self.batch_size
        self.net_ = _AutoencoderNet(
            module=_AutoencoderModule,
            module__n_features=n_features,
            module__n_components=self.n_components,
            criterion=_LOSSES[self.loss],
            optimizer=torch.optim.Adam,
            optimizer__weight_decay=self.weight_decay,
            optimizer__param_groups=[
                ("encoder.*", {"lr": _encoder_lr(self.encoder_lr, self.lr, X)})
            ],
            **_adam_options(),
            lr=self.lr,
            max_epochs=self.max_epochs,
            batch_size=batch_size,
            iterator_train__shuffle=True,
            train_split=(
                ValidSplit(self.validation_fraction, random_state=seed)
                if self.early_stopping
                else None
            ),
            callbacks=_early_stopping_callbacks(self, type(self).__name__),
            callbacks__print_log=None,
            device=self.device,
            verbose=0,
        )
        with _seeded_torch(seed, self.device):
            self.net_.fit(_training_input(X), None)
        self.history_ = self.net_.history
        self.n_epochs_ = len(self.history_)
        self._n_features_out = self.n_components
        self.reconstruction_error_ = float(self._mean_loss(X))
        return self

    def _check_loss_domain(self, X):
        if self.loss != "bce":
            return
        data = X.data if sp.issparse(X) else X
        if data.size and (data.min() < 0 or data.max() > 1):
            raise ValueError(
                "LeafAutoencoder with loss='bce' needs inputs in [0, 1]; got "
                f"values in [{data.min():g}, {data.max():g}]. Use loss='mse' or "
                "scale the input."
            )

    def _apply(self, X, fn):
        """Apply ``fn`` (tensor -> tensor) to ``X`` in chunks, in eval mode."""
        module = self.net_.module_
        was_training = module.training
        module.eval()
        out = []
        try:
            with torch.no_grad():
                for start in range(0, X.shape[0], _INFERENCE_CHUNK):
                    chunk = _dense_float32(X[start : start + _INFERENCE_CHUNK])
                    tensor = torch.from_numpy(chunk).to(self.net_.device)
                    out.append(fn(tensor).cpu().numpy())
        finally:
            module.train(was_training)
        return np.concatenate(out).astype(np.float64, copy=False)

    def _mean_loss(self, X):
        """Mean per-entry reconstruction loss of ``X``."""
        criterion = _LOSSES[self.loss](reduction="sum")
        module = self.net_.module_
        total = self._apply(X, lambda t: criterion(module(t), t).reshape(1)).sum()
        return total / (X.shape[0] * X.shape[1])

    def _validate(self, X):
        check_is_fitted(self)
        return validate_data(
            self, X, accept_sparse="csr", dtype=[np.float32, np.float64], reset=False
        )

    def transform(self, X):
        """Latent vectors ``ReLU(X W + b)``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Rows to encode.

        Returns
        -------
        Z : ndarray of shape (n_samples, n_components)
            The latent (learned LEAF) vectors, as float64.
        """
        X = self._validate(X)
        return self._apply(X, self.net_.module_.encode)

    def inverse_transform(self, X):
        """Reconstruct rows from latent vectors: ``sigmoid(Z W' + b')``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_components)
            Latent vectors, e.g. the output of :meth:`transform`.

        Returns
        -------
        X_reconstructed : ndarray of shape (n_samples, n_features_in_)
            Reconstruction probabilities in [0, 1].
        """
        check_is_fitted(self)
        Z = check_array(X, dtype=[np.float32, np.float64])
        if Z.shape[1] != self.n_components:
            raise ValueError(
                f"X has {Z.shape[1]} features, but LeafAutoencoder.inverse_transform "
                f"expects {self.n_components} latent components."
            )
        return self._apply(Z, self.net_.module_.reconstruct)

    def score(self, X, y=None):
        """Negative mean reconstruction loss of ``X`` (higher is better).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Rows to reconstruct.
        y : None
            Ignored.

        Returns
        -------
        score : float
            ``-mean(loss)`` per entry, with the estimator's ``loss``.
        """
        X = self._validate(X)
        self._check_loss_domain(X)
        return -float(self._mean_loss(X))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.transformer_tags.preserves_dtype = ["float64"]
        return tags


@cite
def table_from_autoencoder(ae, M, elements=None):
    """Element table from the latent vectors of M's rows.

    Each row of the multi-hot matrix M belongs to one element; its latent
    vector ``ae.transform(M)`` becomes that element's learned LEAF vector.

    Parameters
    ----------
    ae : LeafAutoencoder
        A fitted autoencoder, trained on M (or on matrices with M's columns).
    M : LocalEnvironmentMatrix, DataFrame, ndarray or sparse matrix
        The multi-hot matrix. A ``LocalEnvironmentMatrix`` (or any object
        with ``matrix`` and ``elements``) or a DataFrame indexed by element
        carries its own element order; for a plain matrix give ``elements``.
    elements : list of str, optional
        Element symbol of each row of a plain matrix ``M``.

    Returns
    -------
    table : LeafTable
        Elements (rows of M) x ``ae.get_feature_names_out()`` columns, with
        provenance recording the autoencoder's settings and final loss.

    Raises
    ------
    sklearn.exceptions.NotFittedError
        If ``ae`` is not fitted.
    ValueError
        If M's columns do not match the autoencoder, or ``elements`` is
        missing or of the wrong length.

    References
    ----------
    .. [1] {cite:vasylenko2024}.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_leafs.neural_network import LeafAutoencoder
    >>> from sklearn_leafs.neural_network import table_from_autoencoder
    >>> M = np.array([[1, 0, 1, 0], [0, 1, 0, 1], [1, 1, 0, 0]], dtype=float)
    >>> ae = LeafAutoencoder(n_components=2, max_epochs=5, random_state=0).fit(M)
    >>> table = table_from_autoencoder(ae, M, elements=["O", "Na", "Mg"])
    >>> table.elements
    ['O', 'Na', 'Mg']
    >>> table.values.shape
    (3, 2)
    """
    import pandas as pd

    check_is_fitted(ae)
    matrix, elements, counts, provenance = _matrix_parts(M, elements)
    if len(elements) != matrix.shape[0]:
        raise ValueError(
            f"M has {matrix.shape[0]} rows but {len(elements)} elements were given."
        )
    Z = ae.transform(matrix)
    frame = pd.DataFrame(
        Z, index=pd.Index(elements, name="element"), columns=ae.get_feature_names_out()
    )
    provenance.update(
        {
            "source": "LeafAutoencoder",
            "n_components": int(ae.n_components),
            "loss": ae.loss,
            "lr": float(ae.lr),
            "encoder_lr": ae.encoder_lr,
            "n_epochs": int(ae.n_epochs_),
            "reconstruction_error": float(ae.reconstruction_error_),
            "n_input_features": int(matrix.shape[1]),
        }
    )
    return LeafTable.from_frame(frame, counts=counts, provenance=provenance)
