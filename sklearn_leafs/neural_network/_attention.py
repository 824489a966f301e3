"""Torch modules of the attention head of LeafNet (private).

A composition is a set of element tokens with amounts. Each token is the
element's vector (the learned ``D(M) = ReLU(M W + b)``, frozen table rows,
or both concatenated) projected to ``d_model``, plus an encoding of the
element's fraction; a transformer encoder (self-attention, no positions)
lets the tokens of a composition interact, and an amount-weighted, masked
mean of the token outputs feeds an MLP head. This is the architecture of
CrabNet (Wang et al., npj Comput. Mater. 7, 77 (2021)) with LEAF element
vectors; attention is that of Vaswani et al. (NeurIPS 2017).
"""

from __future__ import annotations

import math

import numpy as np
import scipy.sparse as sp
import torch
from torch import nn

from ._layers import _learned_embeddings, _mlp_head, _sparse_tensor

#: Smallest fraction the log-amount encoding distinguishes.
_MIN_FRACTION = 1e-4


def padded_tokens(A):
    """Element indices and fractions of each row of a fraction matrix.

    Parameters
    ----------
    A : {ndarray, sparse matrix} of shape (n_samples, n_elements)
        Fractions (rows sum to 1).

    Returns
    -------
    index : ndarray of shape (n_samples, n_tokens), int64
        Column (element) index of each token; padding slots hold 0.
    fraction : ndarray of shape (n_samples, n_tokens), float32
        Fraction of each token; padding slots hold 0. ``n_tokens`` is the
        largest number of elements in a row (at least 1).
    """
    A = sp.csr_matrix(A, dtype=np.float64)
    A.eliminate_zeros()
    counts = np.diff(A.indptr)
    width = max(1, int(counts.max()) if len(counts) else 1)
    index = np.zeros((A.shape[0], width), dtype=np.int64)
    fraction = np.zeros((A.shape[0], width), dtype=np.float32)
    rows = np.repeat(np.arange(A.shape[0]), counts)
    slots = np.arange(A.nnz) - np.repeat(A.indptr[:-1], counts)
    index[rows, slots] = A.indices
    fraction[rows, slots] = A.data
    return index, fraction


class _FractionEncoding(nn.Module):
    """Sinusoidal encoding of a fraction and of its logarithm.

    Half of the ``2 * n_frequencies`` features encode the fraction ``x``
    itself, half encode ``log(x)`` rescaled to [0, 1] over
    ``[_MIN_FRACTION, 1]``, so small amounts (dopants) stay distinguishable.
    Frequencies grow geometrically, as in positional encodings; a linear layer
    maps the features to ``d_model``.
    """

    def __init__(self, d_model, n_frequencies=32, max_frequency=1000.0):
        super().__init__()
        freqs = np.geomspace(1.0, max_frequency, n_frequencies) * math.pi
        self.register_buffer("freqs", torch.tensor(freqs, dtype=torch.float32))
        self.proj = nn.Linear(4 * n_frequencies, d_model)

    def features(self, fraction):
        x = fraction.clamp(min=_MIN_FRACTION, max=1.0)
        log_x = 1.0 - torch.log(x) / math.log(_MIN_FRACTION)
        parts = []
        for value in (fraction, log_x):
            angle = value.unsqueeze(-1) * self.freqs
            parts += [torch.sin(angle), torch.cos(angle)]
        return torch.cat(parts, dim=-1)

    def forward(self, fraction):
        return self.proj(self.features(fraction))


class _AttentionModule(nn.Module):
    """Transformer over the element tokens of each composition.

    ``forward(index, fraction)`` takes padded element indices and fractions
    (padding: fraction 0). In training mode it returns ``(output,
    reconstruction_loss)``, in evaluation mode only ``output``, like
    ``_PoolingModule``, and it keeps that module's names (``embed``,
    ``decoder``, ``embeddings``) so pretraining and joint training apply.
    """

    def __init__(
        self,
        M,
        table,
        n_components,
        d_model,
        n_heads,
        n_layers,
        dim_feedforward,
        hidden_layer_sizes,
        n_outputs,
        dropout=0.0,
        reconstruction_weight=0.0,
    ):
        super().__init__()
        self.reconstruction_weight = float(reconstruction_weight)
        width = 0
        if M is not None:
            self.register_buffer("M", _sparse_tensor(M))
            self.embed = nn.Linear(M.shape[1], n_components)
            width += n_components
        else:
            self.M = None
            self.embed = None
        self.decoder = (
            nn.Linear(n_components, M.shape[1])
            if M is not None and self.reconstruction_weight > 0
            else None
        )
        if table is not None:
            self.register_buffer("table", torch.as_tensor(table, dtype=torch.float32))
            width += table.shape[1]
        else:
            self.table = None
        self.token = nn.Linear(width, d_model)
        self.amount = _FractionEncoding(d_model)
        layer = nn.TransformerEncoderLayer(
            d_model,
            n_heads,
            dim_feedforward=dim_feedforward,
            dropout=dropout,
            batch_first=True,
            norm_first=True,
        )
        self.encoder = nn.TransformerEncoder(
            layer,
            n_layers,
            norm=nn.LayerNorm(d_model),
            enable_nested_tensor=False,
        )
        self.head = _mlp_head(2 * d_model, hidden_layer_sizes, dropout, n_outputs)

    def embeddings(self):
        """``D(M) = ReLU(M W + b)``: one learned vector per element."""
        return _learned_embeddings(self.M, self.embed)

    def element_vectors(self):
        """Token inputs of all elements: ``D(M)``, table rows, or both."""
        parts = []
        if self.embed is not None:
            parts.append(self.embeddings())
        if self.table is not None:
            parts.append(self.table)
        return torch.cat(parts, dim=1) if len(parts) > 1 else parts[0]

    def forward(self, index, fraction):
        vectors = self.element_vectors()
        pad = fraction <= 0
        tokens = self.token(vectors[index]) + self.amount(fraction)
        hidden = self.encoder(tokens, src_key_padding_mask=pad)
        hidden = hidden.masked_fill(pad.unsqueeze(-1), 0.0)
        weights = fraction.masked_fill(pad, 0.0)
        weights = weights / weights.sum(dim=1, keepdim=True).clamp(min=1e-12)
        count = (~pad).sum(dim=1, keepdim=True).clamp(min=1)
        # amount-weighted and plain means of the tokens (both masked)
        pooled = torch.cat(
            [(hidden * weights.unsqueeze(-1)).sum(dim=1), hidden.sum(dim=1) / count],
            dim=1,
        )
        out = self.head(pooled)
        if not self.training:
            return out
        if self.decoder is None:
            return out, out.new_zeros(())
        target = self.M.to_dense()
        recon = nn.functional.mse_loss(
            torch.sigmoid(self.decoder(self.embeddings())), target
        )
        return out, recon
