"""Annuaire des acteurs et circuit de prise en charge de la protection de l'enfance, as a graph."""

__version__ = "0.1.0"
