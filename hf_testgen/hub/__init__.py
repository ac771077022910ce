"""Talking to the Hugging Face Hub: the client (candidates, model info), its bounded HTTP transport, and
the registry's verification against the Hub.
"""
