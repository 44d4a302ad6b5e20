"""The languages a person reads: English and Bahasa Indonesia, from gettext catalogues.

``translate`` (standard library only, usable from every layer) looks messages up in the
language of the current request or task; ``catalogues`` (Babel) reads the ``.po`` files and
is installed as its loader by the entry points; ``negotiate`` picks a language from an
``Accept-Language`` header; ``formats`` writes dates, numbers and rupiah for a language.
"""
