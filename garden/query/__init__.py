"""Queries at build time: Obsidian Bases and Dataview over the published notes only.

``values`` (the value model), ``expr`` (one expression parser, two dialects), ``evaluate``
(compiled closures with a budget), ``functions`` (what may be called), ``fields`` (inline fields,
list items and queries read from a note's text), ``table`` (the property table), ``bases`` and
``dql`` (the two front ends), ``results`` (what render draws) and ``stage`` (the build's query
stage, between filter and render).
"""
