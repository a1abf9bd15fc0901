"""Inside the networks (paper §6): walks in z, vector arithmetic, attribute axes, forgetting
objects, guided backpropagation of discriminator features, and a memorisation check.

Each experiment is a library function taking networks, seeds and an output folder and returning
a summary dict; ``dcgan explore <name>`` is its thin command-line entry point.
"""
