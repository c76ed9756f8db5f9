"""educat: publish an education bureau's data standards, datasets and course catalog."""

__version__ = "0.1.0"
