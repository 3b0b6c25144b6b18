"""Words of a question or a passage, as the ranking sees them: lower-case, without the
little words every question has, reduced to their stem (shipping → ship)."""
import re
import threading

import Stemmer

STOPWORDS = frozenset(
    """
    a about above after again against all am an and any are aren't as at be because been
    before being below between both but by can can't cannot could couldn't did didn't do does
    doesn't doing don't down during each few for from further get got had hadn't has hasn't
    have haven't having he her here hers herself him himself his how i i'd i'll i'm i've if in
    into is isn't it it's its itself just let's me might more most must my myself no nor not
    now of off on once only or other ought our ours ourselves out over own please same shall
    she should shouldn't so some such than that that's the their theirs them themselves then
    there there's these they this those through to too under until up us very was wasn't we
    we're were weren't what what's when where which while who whom why will with won't would
    wouldn't you you'd you'll you're you've your yours yourself yourselves hi hello hey thanks
    thank ok okay also tell know want need like getting
    dont doesnt didnt cant cannot couldnt wont wouldnt shouldnt isnt arent wasnt werent
    havent hasnt hadnt im ive id ill youre youve youd theyre thats whats hows wheres theres
    lets u ur pls plz thx guys anyone someone something thing stuff even basically just
    really actually exactly keep
    """.split()  # noqa: SIM905 - a list literal of 200 words reads worse
)
# Words that mean the same to a reader but never meet as stems (e-mail/mail, newest/latest).
SYNONYMS = {
    "e-mail": "email", "mail": "email", "emails": "email", "mailed": "email",
    "newest": "latest", "recent": "latest", "eu": "europe", "pr": "pull request",
    "prs": "pull request", "repo": "repository", "config": "configuration",
    "dir": "directory", "folder": "directory", "folders": "directory", "app": "application",
    "apps": "applications", "info": "information", "docs": "documentation",
    "doc": "documentation", "os": "operating system", "pw": "password", "pwd": "password",
}
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?(?:-mail)?", re.UNICODE)
_PLURAL_ABBREVIATION = re.compile(r"^[A-Z]{2,}s$")  # URLs, PRs, APIs
_local = threading.local()  # a PyStemmer stemmer must not be shared between threads


def _stemmer() -> Stemmer.Stemmer:
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:
        stemmer = _local.stemmer = Stemmer.Stemmer("english")
    return stemmer


def words(text: str) -> list[str]:
    found = []
    for word in _WORD.findall(text):
        if _PLURAL_ABBREVIATION.match(word):
            word = word[:-1]
        word = word.lower().replace("’", "'")
        for part in SYNONYMS.get(word, word).split():
            if part not in STOPWORDS:
                found.append(part)
    return found


def terms(text: str) -> list[str]:
    """The stems of the meaningful words of `text`, in order, repeats kept."""
    found = words(text)
    return _stemmer().stemWords(found) if found else []


def sentences(text: str) -> list[str]:
    parts = re.split(r"(?<=[.!?])\s+|\n+", text.strip())
    return [part.strip() for part in parts if part.strip()]
