"""End-to-end LEAF property models (Eq. 4 of Vasylenko et al.).

``H(a . D(M)) = y``: the multi-hot environment matrix M (elements x
environment bins) passes through a dense layer ``D(M) = ReLU(M W + b)`` that
gives one learned vector per element; a composition's fraction vector ``a``
over M's elements pools those vectors, and an MLP head ``H`` predicts the
property. ``W``, ``b`` and ``H`` are trained together, optionally with the
autoencoder's reconstruction loss of M added (the paper's joint training,
Fig. 4). What lies between the element vectors and the output is the
estimator's head (:class:`MLPHead` or :class:`AttentionHead`): fraction
pooling, or a transformer over the element tokens of each composition
(CrabNet's architecture). Built on skorch.
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
import pandas as pd
import torch
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    RegressorMixin,
    _fit_context,
    clone,
    is_classifier,
)
from sklearn.exceptions import NotFittedError
from sklearn.preprocessing import LabelEncoder
from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    StrOptions,
)
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, column_or_1d
from skorch import NeuralNet
from skorch.callbacks import LRScheduler
from skorch.dataset import ValidSplit

from .._citations import fill_citations
from ..base import BadRowsError, formula_input, fractions, row_message
from ..tables import LeafTable
from ._autoencoder import LeafAutoencoder
from ._heads import HEADS, LeafNetHead, _HeadRouting
from ._losses import CLASSIFICATION_LOSSES, REGRESSION_LOSSES
from ._matrix import _resolve_matrix
from ._training import (
    TRAINING_CONSTRAINTS,
    _adam_options,
    _check_validation_split,
    _draw_seed,
    _early_stopping_callbacks,
    _encoder_lr,
    _seeded_torch,
    _WarmupCosine,
)

__all__ = ["LeafNetRegressor", "LeafNetClassifier"]


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


def _leafnet_init(default_loss):
    """The one constructor of the LeafNet estimators (``loss`` per task).

    scikit-learn reads an estimator's parameters from its ``__init__``
    signature, so each class needs its own ``__init__``; this builds both
    from one definition, differing only in the default ``loss``. Options
    with the ``head__`` prefix are stored as they come, as skorch stores
    ``module__*`` arguments, and reach the head in ``fit``.
    """

    def __init__(
        self,
        M="open",
        *,
        head="mlp",
        n_components=59,
        hidden_layer_sizes=(128, 64),
        dropout=0.2,
        reconstruction_weight=0.0,
        encoder_init=None,
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
        loss=default_loss,
        **head_params,
    ):
        self.M = M
        self.head = head
        self.n_components = n_components
        self.hidden_layer_sizes = hidden_layer_sizes
        self.dropout = dropout
        self.reconstruction_weight = reconstruction_weight
        self.encoder_init = encoder_init
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
        self.loss = loss
        # kept privately, by full name: scikit-learn's checks allow no public
        # attribute outside the signature; get_params reports them
        self._set_head_params(head_params)

    return __init__


class _BaseLeafNet(_HeadRouting, BaseEstimator):
    """Shared fit/predict machinery of LeafNetRegressor and LeafNetClassifier."""

    #: ``loss`` name -> :class:`~._losses._TaskLoss` (set by the subclass).
    _losses: dict = {}

    _parameter_constraints: dict = {
        "M": "no_validation",  # checked by _resolve_matrix in fit
        "head": [StrOptions(set(HEADS)), LeafNetHead],
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "hidden_layer_sizes": ["array-like"],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "reconstruction_weight": [Interval(Real, 0, None, closed="left")],
        "encoder_init": [HasMethods(["fit", "transform"]), None],
        "lr_schedule": [StrOptions({"auto", "constant", "cosine"})],
        **TRAINING_CONSTRAINTS,
        "lr": [Interval(Real, 0, None, closed="neither"), StrOptions({"auto"})],
    }

    # -- input --------------------------------------------------------------
    def _inputs(self, X, *, reset):
        """The head's network input for the formulas ``X``."""
        items, labels = formula_input(self, X, reset=reset)
        if len(items) == 0:
            raise ValueError(f"{type(self).__name__} got no formulas (0 rows).")
        try:
            A = fractions(items, self.elements_)
        except BadRowsError as exc:
            raise ValueError(row_message(exc.problems, labels)) from None
        return self.head_.inputs(A)

    def _hidden_sizes(self):
        sizes = np.asarray(self.hidden_layer_sizes).ravel().tolist()
        if not all(isinstance(s, Integral) and s >= 1 for s in sizes):
            raise ValueError(
                "hidden_layer_sizes must be positive integers, got "
                f"{self.hidden_layer_sizes!r}"
            )
        return [int(s) for s in sizes]

    def _callbacks(self, n_train, batch_size):
        callbacks = _early_stopping_callbacks(self, type(self).__name__)
        schedule = self.lr_schedule
        if schedule == "auto":
            schedule = self.head_.default_lr_schedule
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
    def _fit(self, X, targets, n_targets):
        """Shared training; ``targets()`` encodes y (after X is checked)."""
        hidden = self._hidden_sizes()
        self.head_ = self._resolve_head()
        self._task_loss = loss = self._losses[self.loss]
        matrix, self.elements_ = _resolve_matrix(self.M)
        inputs = self._inputs(X, reset=True)
        n_samples = self.head_.n_samples(inputs)
        y = targets()
        if len(y) != n_samples:
            raise ValueError(f"X has {n_samples} formulas but y has {len(y)} values.")
        n_train = n_samples
        if self.early_stopping:
            _check_validation_split(
                n_samples, self.validation_fraction, type(self).__name__
            )
            n_train -= int(np.ceil(n_samples * self.validation_fraction))
        seed = _draw_seed(self.random_state)
        batch_size = self.batch_size
        if batch_size is None:
            batch_size = self.head_.batch_size(n_samples)
        with _seeded_torch(seed, self.device):
            module = self.head_.build(
                matrix,
                self.elements_,
                loss.n_outputs(n_targets),
                n_components=self.n_components,
                hidden_layer_sizes=hidden,
                dropout=self.dropout,
                reconstruction_weight=self.reconstruction_weight,
                pretrained=self.encoder_init is not None,
            )
            self._init_from_encoder(module, matrix)
            self.net_ = self._net(module, matrix, loss, seed, n_train, batch_size)
            self.net_.fit(inputs, y)
        self.history_ = self.net_.history
        self.n_epochs_ = len(self.history_)
        self.leaf_table_ = (
            self._leaf_table(matrix)
            if getattr(self.net_.module_, "embed", None) is not None
            else None
        )
        return self

    def _net(self, module, matrix, loss, seed, n_train, batch_size):
        """The skorch net that trains ``module``."""
        lr = self.head_.default_lr if self.lr == "auto" else float(self.lr)
        groups = []
        if getattr(module, "embed", None) is not None:
            groups = [("embed.*", {"lr": _encoder_lr(self.encoder_lr, lr, matrix)})]
        return _LeafNetNet(
            module=module,
            criterion=loss.criterion,
            optimizer=self.head_.optimizer,
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
                    stratified=is_classifier(self),
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
        inputs = self._inputs(X, reset=False)
        return self.head_.forward(self.net_.module_, inputs, self.net_.device)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        tags.non_deterministic = False
        return tags


_SHARED_DOC = """
    Parameters
    ----------
    M : str, path, LocalEnvironmentMatrix or DataFrame, default="open"
        The multi-hot local-environment matrix (elements x environment bins):
        a name or ``.npz`` path for ``LocalEnvironmentMatrix.load``, a
        ``LocalEnvironmentMatrix`` (or any object with ``matrix`` and
        ``elements``), or a DataFrame indexed by element symbol. Formulas may
        only contain M's elements.
    head : {"mlp", "attention"} or LeafNetHead, default="mlp"
        The architecture between the element vectors and the output, resolved
        once in ``fit`` into ``head_``. ``"mlp"`` (:class:`MLPHead`): the
        composition's fractions pool the element vectors and the MLP ``H``
        maps the pooled vector to the output (Eq. 4 as in the paper).
        ``"attention"`` (:class:`AttentionHead`): a transformer over the
        element tokens of each composition before ``H``, CrabNet's
        architecture [2]_ [3]_ with LEAF element vectors. A head object
        carries its own options.
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
    lr : float or "auto", default="auto"
        Learning rate (of the network, and of ``D`` when ``encoder_lr`` is
        None). ``"auto"``: the head's ``default_lr``, 1e-2 for
        ``head="mlp"``, 1e-3 for ``head="attention"``. The optimizer is the
        head's: Adam for the MLP head, AdamW (decoupled weight decay) for the
        attention head.
    encoder_lr : float, "auto" or None, default="auto"
        Adam learning rate of ``D``'s weights. ``"auto"`` uses
        ``lr / sqrt(mean number of ones per row of M)``: with one shared rate,
        the thousands of ones in each row of M push most ReLU units of ``D`` to
        zero within a few steps. ``None`` uses ``lr``.
    lr_schedule : {"auto", "constant", "cosine"}, default="auto"
        ``"cosine"``: linear warm-up over the first 5% of the optimizer steps
        of ``max_epochs`` epochs, then cosine decay to zero. ``"auto"``: the
        head's ``default_lr_schedule``, constant for ``head="mlp"``, cosine
        for ``head="attention"``.
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
        level on the ``sklearn_leafs.neural_network`` logger.
"""

_HEAD_PARAMS_DOC = """
    **head_params : head__<option>=value
        Options routed to the head, as skorch routes ``module__*`` to its
        module: ``head__n_layers=2`` sets :class:`AttentionHead`'s
        ``n_layers``. They are parameters of this estimator
        (``get_params``, ``set_params``, ``clone``, ``GridSearchCV`` over
        ``{"head__n_layers": [1, 2]}``); an option the head does not have
        raises a ValueError in ``fit``.
"""

_SHARED_ATTRIBUTES = """
    head_ : LeafNetHead
        The head resolved from ``head`` and the ``head__*`` options.
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
        ``head__element_features="table"`` (no ``D(M)``).
    n_features_in_ : int
        Always 1 (one column of formulas).
    feature_names_in_ : ndarray of str
        The column name, when fitted on a DataFrame.
"""


_REFERENCES = fill_citations(
    """
    References
    ----------
    .. [1] {cite:vasylenko2024}; Eq. 4, Table 2.
    .. [2] {cite:wang2021}.
    .. [3] {cite:vaswani2017}.
"""
)


class LeafNetRegressor(RegressorMixin, _BaseLeafNet):
    __doc__ = (
        """Regression on formulas with learned LEAFs, trained end to end.

    Eq. 4 of Vasylenko et al. 2024 [1]_:

    ``y = H(a . D(M))`` with ``D(M) = ReLU(M W + b)``: M's rows (one per
    element) pass through a dense layer, the composition's fraction vector
    ``a`` pools the resulting element vectors, and an MLP head ``H`` maps the
    pooled vector to the target. Targets are standardised internally.
"""
        + _SHARED_DOC
        + """    loss : {"squared_error", "absolute_error", "robust"}, \
default="squared_error"
        Training loss on the standardised targets: mean squared error, mean
        absolute error, or ``"robust"``, CrabNet's heteroscedastic L1 loss
        (the network also predicts a log-scale per target; ``predict``
        returns the means).
"""
        + _HEAD_PARAMS_DOC
        + """
    Attributes
    ----------"""
        + _SHARED_ATTRIBUTES
        + """
    See Also
    --------
    LeafNetClassifier : The classification counterpart.
    LeafAutoencoder : Learned LEAFs without a property.
    MLPHead, AttentionHead : The heads.
"""
        + _REFERENCES
        + """
    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_leafs.neural_network import LeafNetRegressor
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
    transformer (its options routed with ``head__``); the order of the
    elements in a formula does not matter:

    >>> att = LeafNetRegressor(
    ...     M, head="attention", head__d_model=8, head__n_heads=2,
    ...     head__n_layers=1, head__dim_feedforward=16, n_components=4,
    ...     max_epochs=20, random_state=0,
    ... ).fit(X, y)
    >>> bool(np.allclose(att.predict(["NaCl"]), att.predict(["ClNa"])))
    True
    >>> att.head_
    AttentionHead(d_model=8, dim_feedforward=16, n_heads=2, n_layers=1)
    """
    )

    _losses = REGRESSION_LOSSES
    _parameter_constraints: dict = {
        **_BaseLeafNet._parameter_constraints,
        "loss": [StrOptions(set(REGRESSION_LOSSES))],
    }

    __init__ = _leafnet_init("squared_error")

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

        return self._fit(X, targets, y2.shape[1])

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
        out = self._forward(X)  # checks that the model is fitted first
        out = self._task_loss.point(out)
        out = out * self._y_scale + self._y_mean
        return out.ravel() if self._y_1d else out


class LeafNetClassifier(ClassifierMixin, _BaseLeafNet):
    __doc__ = (
        """Classification of formulas with learned LEAFs, trained end to end.

    Eq. 4 of Vasylenko et al. 2024 [1]_:

    ``p(y | x) = softmax(H(a . D(M)))`` with ``D(M) = ReLU(M W + b)``: M's
    rows (one per element) pass through a dense layer, the composition's
    fraction vector ``a`` pools the resulting element vectors, and an MLP head
    ``H`` gives class logits.
"""
        + _SHARED_DOC
        + """    loss : {"log_loss"}, default="log_loss"
        Training loss: the cross-entropy of the class logits.
"""
        + _HEAD_PARAMS_DOC
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
    MLPHead, AttentionHead : The heads.
"""
        + _REFERENCES
        + """
    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_leafs.neural_network import LeafNetClassifier
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

    _losses = CLASSIFICATION_LOSSES
    _parameter_constraints: dict = {
        **_BaseLeafNet._parameter_constraints,
        "loss": [StrOptions(set(CLASSIFICATION_LOSSES))],
    }

    __init__ = _leafnet_init("log_loss")

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

        return self._fit(X, targets, len(self.classes_))

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
