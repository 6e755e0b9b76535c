"""A minimal third cloud, for tests only: registered through `providers.registry` alone.

    catalog.py   two regions of images and volumes
    emulator.py  a tiny JSON-over-POST API with a bearer token, counted and faultable like the others
    client.py    the ImageCatalog over it
    spec.py      its ProviderSpec (settings section `[thirdcloud]`, `THIRDCLOUD_*`)
    across_three.py  the acceptance tests, run in a child process that registers this spec first

Nothing in the product names it: if it works here, a real third cloud needs only its package and
the registry line.
"""
