"""RNN Lab's Streamlit dashboard: the app shell, shared resources, strings and pages.

Layout:

* ``streamlit_app.py`` (repo root) is the entry point: page config, language switch, navigation.
* :mod:`dashboard.pages` holds the page registry (``PAGES``) and the page scripts.
* :mod:`dashboard.i18n` holds every user-facing string, in English and Korean.
* :mod:`dashboard.components.resources` holds the cached loaders that all pages share (pretrained models).
"""
