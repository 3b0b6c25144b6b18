"""Real-world documents become passages that stand alone: no navigation or tables of
contents, headings only where the text has one, numbered entries each a passage, code kept
as code."""
from conversations.parsing import parse
from conversations.passages import split


def passages(source_type: str, content: str) -> list[tuple[str, str, str]]:
    return [(p.heading, p.question, p.text)
            for p in split(parse(source_type=source_type, content=content))]


def test_html_navigation_footer_and_a_list_of_links_to_the_sections_are_left_out():
    html = """<html><body>
    <div id="site"><a href="https://example.org">Example</a></div>
    <div id="head"><h1>FAQ</h1></div>
    <div class="sidebar-menu"><ul><li><a href="/">Home</a></li><li><a href="/a">About</a></li>
    </ul></div>
    <ul class="contents"><li><a href="#ship">How long is shipping?</a></li>
    <li><a href="#pay">Can I pay later?</a></li></ul>
    <p>Our answers to the questions we hear most.</p>
    <dl><dt>Q: How long is shipping?</dt><dd>Three days.</dd></dl>
    <dl><dt>Q: Can I pay later?</dt><dd>Yes, within <a href="/terms">30 days</a>.</dd></dl>
    <div id="foot">Copyright 2026 · <a href="contact.html">Contact</a></div>
    </body></html>"""

    assert passages("html", html) == [
        ("FAQ", "", "Our answers to the questions we hear most."),
        ("FAQ", "How long is shipping?", "Three days."),
        ("FAQ", "Can I pay later?", "Yes, within 30 days."),
    ]


def test_html_questions_asked_several_ways_are_one_question():
    html = ("<dl><dt>Q: Why do I get \"bad FPU precision\"?<br>"
            "<dt>Q: Things break after I initialize Direct3D.<br></dt>"
            "<dd>Direct3D changes the FPU mode; use the preserve flag.</dd></dl>")

    assert passages("html", html) == [
        ("", 'Why do I get "bad FPU precision"? / Things break after I initialize Direct3D.',
         "Direct3D changes the FPU mode; use the preserve flag."),
    ]


CURL_STYLE = """\
                                  _   _ ____  _
                              ___| | | |  _ \\| |

FAQ

 1. Philosophy
  1.1 What is curl?
  1.2 Who makes curl?
  1.3 Why do you not update ca-bundle.crt

 2. Running Problems
  2.1 I found a bug

==============================================================================

1. Philosophy

  1.1 What is curl?

  curl is a tool for transferring data with URLs. Try it:

      curl https://example.com/

  It runs everywhere.

  1.2 Who makes curl?

  A community of contributors.

  1.3 Why do you not update ca-bundle.crt

  Because the operating system's bundle is better.

  See also: https://curl.se/docs/caextract.html

2. Running Problems

  2.1 I found a bug

  It is not a bug if the behavior is documented.
"""


def test_plain_text_numbered_entries_are_passages_and_commands_urls_and_the_toc_are_not_headings():
    assert passages("text", CURL_STYLE) == [
        ("Philosophy", "What is curl?",
         "curl is a tool for transferring data with URLs. Try it:\n\ncurl https://example.com/"
         "\n\nIt runs everywhere."),
        ("Philosophy", "Who makes curl?", "A community of contributors."),
        ("Philosophy › Why do you not update ca-bundle.crt", "",
         "Because the operating system's bundle is better.\n\n"
         "See also: https://curl.se/docs/caextract.html"),
        ("Running Problems › I found a bug", "",
         "It is not a bug if the behavior is documented."),
    ]


def test_numbered_statements_are_entries_but_numbered_steps_stay_a_list():
    text = (
        "# Known problems\n\n"
        "4. The function returns an error.\n\nCheck the input first.\n\n"
        "5. The service is slow.\n\nTurn on the cache:\n\n1. Open settings\n2. Tick Cache\n"
    )

    assert passages("markdown", text) == [
        ("Known problems › The function returns an error.", "", "Check the input first."),
        ("Known problems › The service is slow.", "",
         "Turn on the cache:\n\n• Open settings\n• Tick Cache"),
    ]


def test_markdown_code_keeps_its_language_and_lines_and_front_matter_and_toc_go():
    text = (
        "---\nlast_review_date: \"2026-01-01\"\n---\n\n# FAQ\n\n* Table of Contents\n{:toc}\n\n"
        "## How do I update?\n\nRun:\n\n```sh\nbrew update\nbrew upgrade <formula>\n```\n\n"
        "Or only one:\n\n    brew upgrade <formula>\n\n"
        "## Why no sudo?\n\nIt is risky.\n\nDid you chown root /Applications? Probably not.\n"
    )

    assert passages("markdown", text) == [
        ("FAQ", "How do I update?",
         "Run:\n\n```sh\nbrew update\nbrew upgrade <formula>\n```\n\nOr only one:\n\n"
         "brew upgrade <formula>"),
        ("FAQ", "Why no sudo?", "It is risky.\n\nDid you chown root /Applications? Probably not."),
    ]
