"""Township centers and village stations: their pages, their token API, what both do to a
referral.
"""
