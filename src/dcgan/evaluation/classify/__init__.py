"""The paper's §5: discriminator features + a linear L2-SVM, against its baselines.

``DiscriminatorFeatures`` (scikit-learn transformer) -> ``LinearSVM`` (squared hinge, L2), C chosen
on a validation split of the training set; baselines: raw pixels, random filters, K-means
(Coates & Ng), a supervised CNN of D's architecture; ``run_classification`` ties them into a table.
"""

from dcgan.evaluation.classify.baselines import PixelFeatures, random_discriminator
from dcgan.evaluation.classify.features import DiscriminatorFeatures, load_discriminator
from dcgan.evaluation.classify.kmeans import KMeansFeatures
from dcgan.evaluation.classify.protocol import few_label_indices, select_c, svm_protocol, validation_split
from dcgan.evaluation.classify.svm import LinearSVM

__all__ = [
    "DiscriminatorFeatures", "KMeansFeatures", "LinearSVM", "PixelFeatures", "few_label_indices",
    "load_discriminator", "random_discriminator", "select_c", "svm_protocol", "validation_split",
]
