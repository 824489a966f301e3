"""Training losses of the LeafNet estimators (private).

Each value of the ``loss`` parameter is one :class:`_TaskLoss`: the torch
criterion it trains with, how many network outputs it needs per target and
how a prediction is read from those outputs. The estimator looks its loss up
once in ``fit``.
"""

from __future__ import annotations

import math

import torch
from torch import nn


class _RobustL1Loss(nn.Module):
    """Heteroscedastic L1 loss (as CrabNet's): Laplace negative log-likelihood.

    The network predicts a mean and a log-scale per output (the first and
    second halves of its columns); the loss is
    ``sqrt(2) |y - mean| exp(-log_scale) + log_scale``, averaged.
    """

    def forward(self, output, target):
        mean, log_scale = output.chunk(2, dim=-1)
        loss = math.sqrt(2.0) * (target - mean).abs() * torch.exp(-log_scale)
        return (loss + log_scale).mean()


class _TaskLoss:
    """A ``loss`` option: criterion, outputs per target, point prediction.

    Parameters
    ----------
    criterion : type of torch.nn.Module
        The criterion class skorch instantiates.
    outputs_per_target : int, default=1
        Network outputs per target; with 2 the first half of the columns are
        the predictions (means) and the second half their log-scales.
    """

    def __init__(self, criterion, outputs_per_target=1):
        self.criterion = criterion
        self.outputs_per_target = outputs_per_target

    def n_outputs(self, n_targets):
        """Width of the network's output for ``n_targets`` targets."""
        return self.outputs_per_target * n_targets

    def point(self, out):
        """The predictions among the network's outputs ``out``."""
        if self.outputs_per_target == 1:
            return out
        return out[:, : out.shape[1] // self.outputs_per_target]


#: ``loss`` of LeafNetRegressor (targets standardised first).
REGRESSION_LOSSES = {
    "squared_error": _TaskLoss(nn.MSELoss),
    "absolute_error": _TaskLoss(nn.L1Loss),
    "robust": _TaskLoss(_RobustL1Loss, outputs_per_target=2),
}

#: ``loss`` of LeafNetClassifier (class logits).
CLASSIFICATION_LOSSES = {"log_loss": _TaskLoss(nn.CrossEntropyLoss)}
