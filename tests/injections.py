"""Markdown injections a visitor could type: the same table for the unit, page and browser tests."""

INJECTIONS = ["# H", "[x](http://evil)", "![x](http://evil/x.png)", "http://evil.example", "www.evil.example",
              "<img src=http://evil/y.png>", "**b**", "$x$", ":red[x]", ":material/home:", "a@evil.example"]
ALL = " ".join(INJECTIONS)  # 155 characters: fits a name, a title, a plan item
