"""Torch building blocks of the LeafNet models and the pooling network (private).

``D(M) = ReLU(M W + b)`` on the sparse multi-hot matrix M
(:func:`_learned_embeddings`), the MLP head ``H`` (:func:`_mlp_head`), and
:class:`_PoolingModule`, the network of Eq. 4 as in the paper:
``H(a . D(M))`` with an optional reconstruction of M. The attention network
is in :mod:`._attention`.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
import torch
from torch import nn


def _sparse_tensor(matrix):
    coo = sp.coo_matrix(matrix, dtype=np.float32)
    indices = torch.from_numpy(np.vstack([coo.row, coo.col]).astype(np.int64))
    values = torch.from_numpy(coo.data.astype(np.float32))
    return torch.sparse_coo_tensor(
        indices, values, coo.shape, check_invariants=True
    ).coalesce()


def _mlp_head(width, hidden_layer_sizes, dropout, n_outputs):
    """``Linear -> ReLU [-> Dropout]`` per hidden size, then a linear output."""
    layers = []
    for size in hidden_layer_sizes:
        layers += [torch.nn.Linear(width, size), torch.nn.ReLU()]
        if dropout > 0:
            layers.append(torch.nn.Dropout(dropout))
        width = size
    layers.append(torch.nn.Linear(width, n_outputs))
    return torch.nn.Sequential(*layers)


def _learned_embeddings(M, embed):
    """``D(M) = ReLU(M W + b)``: one learned vector per row of the sparse M."""
    return torch.relu(torch.sparse.mm(M, embed.weight.T) + embed.bias)


class _PoolingModule(nn.Module):
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
