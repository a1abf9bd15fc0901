"""Networks: the paper's generator and discriminator (§3), built from ``ModelConfig``."""

from dcgan.models.dcgan import Discriminator, Generator
from dcgan.models.init import init_weights
from dcgan.models.registry import build_discriminator, build_generator, build_models

__all__ = ["Discriminator", "Generator", "build_discriminator", "build_generator", "build_models", "init_weights"]
