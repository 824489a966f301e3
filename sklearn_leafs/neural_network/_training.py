"""The training loop shared by the torch models (private).

Seeding (:func:`_seeded_torch`), progress and early-stopping callbacks, the
encoder learning-rate rule, the warm-up/cosine schedule, the conversion of
training input and the parameter constraints of the training loop, shared by
:class:`~sklearn_leafs.neural_network.LeafAutoencoder` and the LeafNet
estimators. Importing this module imports torch; ``import sklearn_leafs``
does not import it.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
import torch
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from skorch.callbacks import Callback, EarlyStopping

#: Per-epoch progress records of every torch model of the package.
logger = logging.getLogger("sklearn_leafs.neural_network")


# --------------------------------------------------------------------------
# seeding, callbacks, learning rates
# --------------------------------------------------------------------------
def _draw_seed(random_state):
    """Draw a torch seed from a scikit-learn ``random_state``."""
    return int(check_random_state(random_state).randint(np.iinfo(np.int32).max))


@contextmanager
def _seeded_torch(seed, device="cpu"):
    """Run a block with torch seeded by ``seed`` and deterministic algorithms.

    The global torch RNG state and the deterministic-algorithms flag are
    restored on exit, so fitting a model leaks no global state.
    """
    devices = []
    if str(device).startswith("cuda") and torch.cuda.is_available():
        devices = [torch.device(device).index or 0]
    was_deterministic = torch.are_deterministic_algorithms_enabled()
    was_warn_only = torch.is_deterministic_algorithms_warn_only_enabled()
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        # On CUDA some kernels have no deterministic variant without extra
        # environment settings: warn there instead of failing.
        torch.use_deterministic_algorithms(True, warn_only=bool(devices))
        try:
            yield
        finally:
            torch.use_deterministic_algorithms(
                was_deterministic, warn_only=was_warn_only
            )


def _dense_float32(X):
    """Return a writable, C-contiguous float32 array (sparse input densified)."""
    if sp.issparse(X):
        X = X.toarray()
    return np.require(X, dtype=np.float32, requirements=["C", "W"])


#: Sparse training input up to this many bytes (as dense float32) is densified
#: once; larger input stays CSR and skorch densifies it row by row.
_DENSIFY_BYTES = 256 * 2**20


def _training_input(X):
    """Input for skorch: dense float32, or CSR float32 when that is too large."""
    if sp.issparse(X) and 4 * X.shape[0] * X.shape[1] > _DENSIFY_BYTES:
        return sp.csr_matrix(X, dtype=np.float32)
    return _dense_float32(X)


class _EpochProgress(Callback):
    """Per-epoch progress: a tqdm bar (``verbose``) and an INFO log record."""

    def __init__(self, total, desc="epochs", show=True):
        self.total = total
        self.desc = desc
        self.show = show

    def on_train_begin(self, net, **kwargs):
        self.bar_ = None
        if self.show:
            from tqdm.auto import tqdm

            self.bar_ = tqdm(total=self.total, desc=self.desc, leave=False)

    def on_epoch_end(self, net, **kwargs):
        row = net.history[-1]
        values = {
            key: row[key]
            for key in ("train_loss", "valid_loss")
            if key in row and row[key] is not None
        }
        logger.info(
            "%s epoch %d: %s",
            self.desc,
            row["epoch"],
            ", ".join(f"{k}={v:.6g}" for k, v in values.items()),
        )
        if self.bar_ is not None:
            self.bar_.set_postfix({k: f"{v:.4g}" for k, v in values.items()})
            self.bar_.update(1)

    def on_train_end(self, net, **kwargs):
        if self.bar_ is not None:
            self.bar_.close()
        self.bar_ = None


def _early_stopping_callbacks(estimator, desc):
    """skorch callbacks for progress and (optionally) early stopping."""
    callbacks = [
        (
            "progress",
            _EpochProgress(
                estimator.max_epochs, desc=desc, show=bool(estimator.verbose)
            ),
        )
    ]
    if estimator.early_stopping:
        callbacks.append(
            (
                "early_stopping",
                EarlyStopping(
                    monitor="valid_loss",
                    patience=estimator.n_iter_no_change,
                    threshold=estimator.tol,
                    threshold_mode="rel",
                    load_best=True,
                    sink=logger.info,
                ),
            )
        )
    return callbacks


def _encoder_lr(encoder_lr, lr, X):
    """Learning rate of the encoder (``"auto"``: ``lr / sqrt(mean row nnz)``).

    Adam moves every weight by about ``lr`` per step whatever its gradient's
    size, so the pre-activation of an input row with ``k`` ones moves by up to
    ``k * lr``. M has thousands of ones per row, and with one shared rate most
    ReLU units die in the first steps (46 of 59 on the default M with
    ``lr=1e-3``). Scaling the encoder's rate by ``1 / sqrt(k)`` keeps them alive.
    """
    if encoder_lr is None:
        return float(lr)
    if encoder_lr != "auto":
        return float(encoder_lr)
    if sp.issparse(X):
        nnz = np.diff(sp.csr_matrix(X).indptr)
    else:
        nnz = np.count_nonzero(X, axis=1)
    return float(lr) / max(1.0, float(np.sqrt(np.mean(nnz))))


def _adam_options():
    """Fused (much faster) Adam on torch versions that have it on CPU."""
    major, minor = (int(part) for part in torch.__version__.split(".")[:2])
    return {"optimizer__fused": True} if (major, minor) >= (2, 4) else {}


class _WarmupCosine:
    """Learning-rate factor: linear warm-up, then cosine decay to zero.

    A picklable ``lr_lambda`` for ``torch.optim.lr_scheduler.LambdaLR``,
    stepped once per batch; the first ``warmup`` (5%) of ``total`` steps ramp
    the rate up from ``1 / warmup``.
    """

    def __init__(self, total, warmup_fraction=0.05):
        self.total = max(1, int(total))
        self.warmup = max(1, int(round(warmup_fraction * self.total)))

    def __call__(self, step):
        if step < self.warmup:
            return (step + 1) / self.warmup
        progress = min(1.0, (step - self.warmup) / max(1, self.total - self.warmup))
        return 0.5 * (1.0 + np.cos(np.pi * progress))


def _check_validation_split(n_samples, validation_fraction, name):
    """Raise when an early-stopping validation split would leave a side empty."""
    n_valid = int(np.ceil(n_samples * validation_fraction))
    if n_valid < 1 or n_samples - n_valid < 1:
        raise ValueError(
            f"{name}: early_stopping needs a validation split with at least one "
            f"sample on each side; got {n_samples} samples and "
            f"validation_fraction={validation_fraction}."
        )


# --------------------------------------------------------------------------
# training-loop parameters
# --------------------------------------------------------------------------
#: Parameter constraints of the torch training loop, shared by every model.
TRAINING_CONSTRAINTS = {
    "lr": [Interval(Real, 0, None, closed="neither")],
    "encoder_lr": [
        Interval(Real, 0, None, closed="neither"),
        StrOptions({"auto"}),
        None,
    ],
    "max_epochs": [Interval(Integral, 1, None, closed="left")],
    "batch_size": [Interval(Integral, 1, None, closed="left"), None],
    "weight_decay": [Interval(Real, 0, None, closed="left")],
    "early_stopping": ["boolean"],
    "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
    "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
    "tol": [Interval(Real, 0, None, closed="left")],
    "device": [str],
    "random_state": ["random_state"],
    "verbose": ["verbose"],
}
