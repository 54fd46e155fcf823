"""scikit-learn's 8×8 digits as MNIST-like 28×28 images, for traces of real trained networks.

MNIST itself cannot be downloaded here; the digits data set ships inside scikit-learn (an
optional extra). Each 8×8 image (values 0–16) is scaled to [0, 1], enlarged by pixel
repetition to 24×24, cropped to the central 20×20 and centred in a 28×28 frame with a
4-pixel zero border, as MNIST centres its 20×20 digits.
"""

from __future__ import annotations

import numpy as np


def mnist_like_digits() -> tuple[np.ndarray, np.ndarray]:
    """Images ``(1797, 1, 28, 28)`` float32 in [0, 1] and integer labels ``(1797,)``."""
    from sklearn.datasets import load_digits

    data = load_digits()
    small = data.images.astype(np.float32) / 16.0
    big = np.kron(small, np.ones((3, 3), dtype=np.float32))[:, 2:22, 2:22]
    images = np.zeros((len(big), 1, 28, 28), dtype=np.float32)
    images[:, 0, 4:24, 4:24] = big
    return images, data.target.astype(np.int64)
