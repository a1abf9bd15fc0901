"""An independent rebuild of the authors' Theano networks in plain NumPy: the test oracle.

Written from their graph semantics (Newmu/dcgan_code ``lib/ops.py`` and the model scripts), not from
this package's modules, so a wrong flip, transpose, padding or normalisation in the importer or in
our networks shows up as a mismatch:

* ``dnn_conv``: *true* convolution (cuDNN ``conv_mode='conv'``, the kernel flipped), stride s,
  zero padding p: ``y[n, o, i, j] = sum_{c, a, b} xpad[n, c, s*i + a, s*j + b] * w[o, c, k-1-a, k-1-b]``.
* ``deconv``: the gradient of that convolution with respect to its input (``GpuDnnConvGradI``), with
  an output exactly s times the input size; kernels (C_in of the forward conv's output, C_out, k, k).
* ``batchnorm``: batch statistics always, biased variance, eps 1e-8, then ``* g + b``.
* ReLU, ``lrelu`` (0.2), Tanh, sigmoid.
"""

from __future__ import annotations

import numpy as np

EPS = 1e-8


def true_conv(x: np.ndarray, w: np.ndarray, stride: int, pad: int) -> np.ndarray:
    """(N, C, H, W) * (O, C, k, k) -> (N, O, H', W'), H' = (H + 2p - k) // s + 1."""
    n, c, h, width = x.shape
    k = w.shape[-1]
    xp = np.pad(x.astype(np.float64), ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    ho, wo = (h + 2 * pad - k) // stride + 1, (width + 2 * pad - k) // stride + 1
    y = np.zeros((n, w.shape[0], ho, wo))
    for a in range(k):
        for b in range(k):
            patch = xp[:, :, a : a + stride * (ho - 1) + 1 : stride, b : b + stride * (wo - 1) + 1 : stride]
            y += np.einsum("nchw,oc->nohw", patch, w[:, :, k - 1 - a, k - 1 - b].astype(np.float64))
    return y


def conv_input_gradient(h: np.ndarray, w: np.ndarray, stride: int, pad: int, out_size: int) -> np.ndarray:
    """The adjoint of ``true_conv`` for an input of side ``out_size``: (N, O, H', W') -> (N, C, out, out)."""
    n, _, ho, wo = h.shape
    k = w.shape[-1]
    xp = np.zeros((n, w.shape[1], out_size + 2 * pad, out_size + 2 * pad))
    for a in range(k):
        for b in range(k):
            xp[:, :, a : a + stride * (ho - 1) + 1 : stride, b : b + stride * (wo - 1) + 1 : stride] += np.einsum(
                "nohw,oc->nchw", h, w[:, :, k - 1 - a, k - 1 - b].astype(np.float64))
    return xp[:, :, pad : pad + out_size, pad : pad + out_size]


def deconv(h: np.ndarray, w: np.ndarray, stride: int) -> np.ndarray:
    """The authors' ``deconv(h, w, subsample=(s, s), border_mode=(k//2, k//2))``: output s times h's size."""
    return conv_input_gradient(h, w, stride, w.shape[-1] // 2, h.shape[-1] * stride)


def batchnorm(x: np.ndarray, g: np.ndarray, b: np.ndarray) -> np.ndarray:
    axes = (0, 2, 3) if x.ndim == 4 else (0,)
    shape = (1, -1, 1, 1) if x.ndim == 4 else (1, -1)
    u = x.mean(axis=axes, keepdims=True)
    s = ((x - u) ** 2).mean(axis=axes, keepdims=True)
    return (x - u) / np.sqrt(s + EPS) * g.reshape(shape) + b.reshape(shape)


def relu(x):
    return np.maximum(x, 0)


def lrelu(x, leak=0.2):
    return 0.5 * (1 + leak) * x + 0.5 * (1 - leak) * np.abs(x)


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def svhn_gen(z: np.ndarray, params: list[np.ndarray]) -> np.ndarray:
    """svhn ``gen``: relu(bn(Z w)) -> (ngf*4, 4, 4) -> three 5x5 stride-2 deconvs, BN+ReLU but the last, Tanh."""
    w, g, b, *convs = params
    h = relu(batchnorm(z.astype(np.float64) @ w, g, b)).reshape(len(z), w.shape[1] // 16, 4, 4)
    while len(convs) > 1:
        wk, gk, bk, *convs = convs
        h = relu(batchnorm(deconv(h, wk, 2), gk, bk))
    return np.tanh(deconv(h, convs[0], 2))


def svhn_discrim(x: np.ndarray, params: list[np.ndarray]) -> np.ndarray:
    """svhn ``discrim``: lrelu(conv) -> [lrelu(bn(conv))]* -> flatten -> sigmoid(h wy); 5x5, stride 2, pad 2."""
    w, *rest = params
    h = lrelu(true_conv(x, w, 2, w.shape[-1] // 2))
    while len(rest) > 1:
        wk, gk, bk, *rest = rest
        h = lrelu(batchnorm(true_conv(h, wk, 2, wk.shape[-1] // 2), gk, bk))
    return sigmoid(h.reshape(len(h), -1) @ rest[0])[:, 0]


def table1_gen(z: np.ndarray, params: list[np.ndarray], stride1: str) -> np.ndarray:
    """The Table 1 G: relu(bn(Z w)) -> (ngf*4, 4, 4) -> [deconv /2, conv /1] per scale -> conv /1, Tanh.
    ``stride1``: how the stride-1 layers are stored: "conv" (dnn_conv, (out, in, k, k)) or "deconv"."""
    w, g, b, *convs = params
    h = relu(batchnorm(z.astype(np.float64) @ w, g, b)).reshape(len(z), w.shape[1] // 16, 4, 4)

    def same(h, wk):
        pad = wk.shape[-1] // 2
        return true_conv(h, wk, 1, pad) if stride1 == "conv" else conv_input_gradient(h, wk, 1, pad, h.shape[-1])

    layer = 0
    while len(convs) > 1:
        wk, gk, bk, *convs = convs
        h = deconv(h, wk, 2) if layer % 2 == 0 else same(h, wk)
        h = relu(batchnorm(h, gk, bk))
        layer += 1
    return np.tanh(same(h, convs[0]))


def table1_discrim(x: np.ndarray, params: list[np.ndarray]) -> np.ndarray:
    """The Table 1 D: 3x3 convs, stride 1 then 2 at each scale, pad 1; BN but on the first; sigmoid(h wy)."""
    w, *rest = params
    h = lrelu(true_conv(x, w, 1, 1))
    layer = 1
    while len(rest) > 1:
        wk, gk, bk, *rest = rest
        h = lrelu(batchnorm(true_conv(h, wk, 2 if layer % 2 == 1 else 1, 1), gk, bk))
        layer += 1
    return sigmoid(h.reshape(len(h), -1) @ rest[0])[:, 0]


def to_uint8(images: np.ndarray) -> np.ndarray:
    """[-1, 1] NCHW -> uint8 NHWC, as the ``.npz`` sample files hold them."""
    return np.clip(np.rint((images + 1) * 127.5), 0, 255).astype(np.uint8).transpose(0, 2, 3, 1)
