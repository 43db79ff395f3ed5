"""Calendar feed tokens. A token is 32 random bytes shown to its owner once; only its SHA-256 is
stored, so a leaked database does not open anyone's feed. Pure: the feed service stores the hash,
the feed view looks it up."""

import hashlib


def token_hash(token: str) -> str:
    """What is stored and looked up for a token: never the token itself."""
    return hashlib.sha256(token.encode()).hexdigest()
