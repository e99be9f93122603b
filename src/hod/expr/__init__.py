"""hod's expression language: one syntax table, the graph, the parser and the printer.

Data flows one way: text -> :mod:`.parser` -> :mod:`.graph` (evaluated by every engine) ->
:mod:`.printer` (text that parses back to the same graph).  :mod:`.syntax` holds the operators,
their precedence and the constants, which the parser and the printer both read.
"""
