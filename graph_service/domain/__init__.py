"""Entities, the circuit's vocabularies and validation: the part that depends on no other layer."""
