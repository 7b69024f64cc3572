"""Deterministic synthetic archive for benchmarking sitegen.

Writes a complete sitegen site (``site.yaml``, ``content/articles``, ``content/claims``,
``content/entities``) shaped like the archive of ``/work/shared/research/perf-baseline.md``:
N articles of 400 to 1,200 words, half German and half English, about 5.5 claims per article
and N/5 entities. The same N and seed always give byte-identical files: all randomness comes
from one ``random.Random(seed)``, iteration is ordered and nothing depends on the clock.

With ``--hugo HUGO_DIR`` the same archive is also written as a Hugo site that builds the same
page set (see bench/hugo_site.py); the sitegen files are the same with or without it.

Usage::

    python bench/gen_archive.py OUT_DIR --articles N [--seed 1] [--hugo HUGO_DIR] [--force]

or, from Python, ``generate(Path("out"), 1000, seed=1, hugo=None)``, which returns the counts.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import re
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

BASE_URL = "https://bench.example.org/archive/"
FIRST_DAY = dt.date(2015, 1, 1)
LAST_ARTICLE_DAY = dt.date(2025, 9, 30)  # leaves room for reviews and updates within 2025
LAST_DAY = dt.date(2025, 12, 31)
MIN_WORDS, MAX_WORDS = 400, 1200
MAX_SENTENCE = 25
MIN_SENTENCE = 8
CLAIMANT_TYPES = ("person", "organization", "publication")

# -- vocabularies ------------------------------------------------------------------------------


def _words(text: str) -> list[str]:
    """A word list written as whitespace-separated text."""
    return text.split()


EN_NOUNS = _words("""
budget report plan project council committee ministry agency company court ruling law bill tax
fee contract deal proposal study survey market price rate loan grant subsidy network bridge road
railway harbour airport hospital school university factory plant mine pipeline reactor dam
election vote campaign party coalition opposition union strike protest inquiry audit scandal
lawsuit settlement merger takeover acquisition dividend profit loss deficit surplus debt bond
currency forecast estimate figure statistic census permit licence regulation standard guideline
programme scheme fund reserve supply shortage export import tariff quota border region district
province city village port coast river forest farm harvest drought flood storm heatwave target
strategy reform pension wage salary benefit contractor supplier customer platform service device
chip battery vehicle train fleet engine database algorithm model sensor satellite laboratory trial
vaccine treatment clinic prison treaty summit agreement dispute deadline timetable schedule record
warning decision statement interview speech letter memo document draft amendment hearing session
meeting conference investigation tender procurement mandate ceiling threshold quarter
""")

EN_ADJECTIVES = _words("""
new old large small public private regional national local federal municipal annual monthly
official controversial delayed expensive cheap ambitious modest critical secret leaked revised
final initial temporary permanent digital rural urban coastal northern southern eastern western
central independent foreign domestic key major minor rapid slow sudden gradual unexpected recent
former planned proposed disputed confidential popular unpopular fragile stable risky costly
efficient outdated modern nuclear solar electric industrial agricultural financial legal political
economic technical medical environmental strategic binding detailed preliminary
""")

EN_VERBS = [
    ("approve", "approved"), ("reject", "rejected"), ("delay", "delayed"),
    ("announce", "announced"), ("criticise", "criticised"), ("defend", "defended"),
    ("review", "reviewed"), ("cancel", "cancelled"), ("extend", "extended"),
    ("expand", "expanded"), ("reduce", "reduced"), ("raise", "raised"), ("cut", "cut"),
    ("fund", "funded"), ("block", "blocked"), ("support", "supported"),
    ("question", "questioned"), ("challenge", "challenged"), ("publish", "published"),
    ("release", "released"), ("confirm", "confirmed"), ("deny", "denied"),
    ("revise", "revised"), ("propose", "proposed"), ("sign", "signed"),
    ("suspend", "suspended"), ("investigate", "investigated"), ("audit", "audited"),
    ("sell", "sold"), ("buy", "bought"), ("build", "built"), ("close", "closed"),
    ("open", "opened"), ("launch", "launched"), ("replace", "replaced"),
    ("restore", "restored"), ("double", "doubled"), ("halve", "halved"), ("freeze", "froze"),
    ("increase", "increased"), ("lower", "lowered"), ("negotiate", "negotiated"),
    ("finance", "financed"), ("monitor", "monitored"), ("inspect", "inspected"),
    ("test", "tested"), ("postpone", "postponed"), ("accelerate", "accelerated"),
    ("welcome", "welcomed"), ("dismiss", "dismissed"), ("overturn", "overturned"),
    ("uphold", "upheld"), ("examine", "examined"), ("praise", "praised"), ("blame", "blamed"),
    ("acquire", "acquired"), ("transfer", "transferred"), ("lease", "leased"),
    ("upgrade", "upgraded"), ("modernise", "modernised"), ("privatise", "privatised"),
    ("subsidise", "subsidised"), ("regulate", "regulated"), ("ban", "banned"),
    ("restrict", "restricted"), ("relax", "relaxed"), ("tighten", "tightened"),
    ("simplify", "simplified"), ("overhaul", "overhauled"), ("reorganise", "reorganised"),
    ("split", "split"), ("track", "tracked"), ("measure", "measured"),
    ("overstate", "overstated"), ("understate", "understated"), ("exaggerate", "exaggerated"),
    ("withdraw", "withdrew"), ("renew", "renewed"), ("scrap", "scrapped"),
]

EN_SPEAKERS = _words("""
council committee ministry agency company court union party coalition opposition contractor
supplier spokesperson minister mayor analyst auditor regulator government commission
""")
EN_REPORTING = _words("said claimed argued insisted stated suggested warned noted conceded")
EN_PREPOSITIONS = _words("in for at near under after before despite without against with across")
EN_CONNECTORS = _words("while because although after before since whereas")
EN_DETERMINERS = ["the", "the", "the", "a", "this", "that", "every", "another", "its", "their"]
TAIL_KINDS = ["pp", "time", "percent", "cost", "source"]
TAIL_WEIGHTS = [45, 20, 13, 10, 12]
EN_TIMES = [
    ["last", "year"], ["on", "Tuesday"], ["on", "Friday"], ["in", "March"], ["in", "October"],
    ["earlier", "this", "month"], ["after", "months", "of", "debate"], ["for", "the", "third",
    "time"], ["without", "public", "debate"], ["behind", "closed", "doors"], ["ahead", "of",
    "the", "election"], ["within", "weeks"], ["late", "last", "year"], ["this", "spring"],
    ["by", "the", "end", "of", "the", "year"], ["once", "again"], ["so", "far"],
]
EN_WEEKDAY_OPENERS = [
    ["Last", "year,"], ["On", "Monday,"], ["In", "the", "end,"], ["Earlier", "this", "month,"],
    ["According", "to", "officials,"], ["For", "now,"], ["By", "contrast,"], ["Meanwhile,"],
    ["At", "the", "same", "time,"], ["In", "response,"], ["Until", "recently,"],
]

DE_NOUNS_M = _words("""
Bericht Plan Haushalt Vertrag Antrag Beschluss Entwurf Streit Markt Preis Kredit Hafen Flughafen
Bahnhof Ausbau Rückgang Anstieg Verlust Gewinn Umsatz Standort Konzern Verband Ausschuss Rat
Minister Bürgermeister Gutachter Sprecher Betrieb Wettbewerb Zuschuss Tarif Lohn Zoll Export
Import Schaden Wald Fluss Deich Sturm Sensor Vorschlag Termin Zeitplan Bau Brief Kommentar
Prozess Richter Gerichtshof Fonds Kompromiss Etat Auftrag Zugang Verkehr Einbruch Vorstand
""")
DE_NOUNS_F = _words("""
Studie Umfrage Behörde Regierung Kommission Stadt Gemeinde Region Straße Brücke Schule Klinik
Fabrik Anlage Leitung Wahl Partei Koalition Opposition Gewerkschaft Klage Untersuchung Prüfung
Förderung Maßnahme Steuer Gebühr Abgabe Rente Versicherung Miete Grenze Küste Ernte Dürre Flut
Emission Strategie Reform Zahl Schätzung Prognose Statistik Genehmigung Lizenz Regel Verordnung
Richtlinie Frist Sitzung Anhörung Konferenz Erklärung Rede Warnung Entscheidung Bilanz Bank
Börse Aktie Dividende Währung Inflation Lieferung Nachfrage Software Plattform Batterie Flotte
Bahn Sanierung Erhöhung Kürzung Öffnung Schließung Änderung Ausschreibung Obergrenze Mehrheit
""")
DE_NOUNS_N = _words("""
Gesetz Urteil Verfahren Projekt Programm Budget Defizit Darlehen Netz Kraftwerk Werk Lager
Krankenhaus Rathaus Ministerium Amt Gericht Unternehmen Institut Labor Gutachten Abkommen Bündnis
Treffen Interview Dokument Protokoll Papier Konzept Ziel Modell Fahrzeug Gerät System Verbot
Paket Angebot Ergebnis Risiko Problem Wachstum Vermögen Einkommen Gebäude Schienennetz Stadion
Museum Archiv Register Verzeichnis Quartal Mandat Bauvorhaben Förderprogramm Gutachterbüro
""")
DE_NOUNS = (
    [(n, "m") for n in DE_NOUNS_M] + [(n, "f") for n in DE_NOUNS_F] + [(n, "n") for n in DE_NOUNS_N]
)

# Stems that decline regularly (stem + e / en / er / es).
DE_ADJECTIVES = _words("""
neu alt groß klein öffentlich privat regional national lokal städtisch jährlich offiziell
umstritten kostspielig günstig ehrgeizig bescheiden kritisch geheim geändert endgültig vorläufig
dauerhaft digital ländlich nördlich südlich östlich westlich zentral unabhängig ausländisch
wichtig schnell langsam plötzlich unerwartet jüngst geplant strittig vertraulich beliebt riskant
effizient veraltet modern industriell finanziell rechtlich politisch wirtschaftlich technisch
medizinisch ökologisch strategisch künftig gemeinsam schwierig deutlich zusätzlich erheblich
höher größer europäisch überraschend zuständig bisherig aktuell drastisch knapp stabil sozial
gesetzlich umfangreich zweifelhaft fehlerhaft lückenhaft übertrieben ungenau falsch richtig
fragwürdig zuverlässig verbindlich ausführlich süß heiß
""")

DE_VERBS = _words("""
kritisiert prüft verschiebt bestätigt fordert erhöht senkt begrüßt übernimmt veröffentlicht
unterstützt beschließt verteidigt plant finanziert untersucht ändert stoppt genehmigt bezweifelt
erwähnt beschreibt verlängert kürzt verschärft überprüft präsentiert bewertet betont beklagt
empfiehlt vergleicht verkauft kauft baut eröffnet schließt nennt zeigt liefert meldet begrenzt
blockiert verwaltet reformiert startet vertagt verhindert fördert korrigiert übertreibt
verharmlost saniert modernisiert privatisiert verdoppelt halbiert erweitert ersetzt
""")
DE_SPEAKERS = [
    *((n, "m") for n in _words("Minister Sprecher Richter Gutachter Bürgermeister Vorstand "
                               "Verband Ausschuss Rat Konzern")),
    *((n, "f") for n in _words("Regierung Behörde Kommission Partei Gewerkschaft Opposition "
                               "Koalition Gemeinde Stadt")),
    *((n, "n") for n in _words("Ministerium Gericht Unternehmen Institut Amt")),
]
DE_REPORTING = _words("sagt erklärt betont behauptet meint warnt schreibt versichert")
DE_PREPOSITIONS = _words("mit nach bei von aus seit gegenüber")
DE_CONTRACTIONS = {"von": "vom", "bei": "beim"}
DE_CONNECTORS = _words("weil während obwohl nachdem da sodass")
DE_TIMES = [
    ["am", "Dienstag"], ["am", "Freitag"], ["im", "vergangenen", "Jahr"], ["seit", "Monaten"],
    ["in", "diesem", "Herbst"], ["nach", "langer", "Debatte"], ["ohne", "öffentliche", "Debatte"],
    ["hinter", "verschlossenen", "Türen"], ["vor", "der", "Wahl"], ["innerhalb", "weniger",
    "Wochen"], ["zum", "dritten", "Mal"], ["im", "Frühjahr"], ["bis", "Ende", "des", "Jahres"],
    ["in", "der", "kommenden", "Woche"], ["trotz", "großer", "Bedenken"], ["erneut"],
    ["offenbar"], ["bereits"], ["gemäß", "den", "Plänen"], ["außerhalb", "der", "Saison"],
]
DE_OPENERS = [
    ["Am", "Montag"], ["Im", "vergangenen", "Jahr"], ["Seit", "Wochen"], ["Inzwischen"],
    ["Gleichzeitig"], ["Dennoch"], ["Außerdem"], ["Zuletzt"], ["Nach", "der", "Sitzung"],
    ["Im", "Sommer"], ["Trotzdem"], ["Bislang"],
]

DE_ARTICLES = {
    "def": {"nom": ("der", "die", "das"), "acc": ("den", "die", "das"),
            "dat": ("dem", "der", "dem")},
    "ein": {"nom": ("ein", "eine", "ein"), "acc": ("einen", "eine", "ein"),
            "dat": ("einem", "einer", "einem")},
    "dies": {"nom": ("dieser", "diese", "dieses"), "acc": ("diesen", "diese", "dieses"),
             "dat": ("diesem", "dieser", "diesem")},
    "jed": {"nom": ("jeder", "jede", "jedes"), "acc": ("jeden", "jede", "jedes"),
            "dat": ("jedem", "jeder", "jedem")},
}
DE_WEAK = {"nom": ("e", "e", "e"), "acc": ("en", "e", "e"), "dat": ("en", "en", "en")}
DE_MIXED = {"nom": ("er", "e", "es"), "acc": ("en", "e", "es"), "dat": ("en", "en", "en")}
DE_STRONG_NOM = ("er", "e", "es")
GENDER_INDEX = {"m": 0, "f": 1, "n": 2}
DE_DETERMINERS = ["def", "def", "def", "ein", "dies", "jed"]

# -- invented names ----------------------------------------------------------------------------

ONSETS = _words("b d f g h k l m n p r s t v w z b d k l m n r t v br dr fr gr kr tr st bl kl sl")
NUCLEI = _words("a e i o u a e i o a e ei au")
INNER_CODAS = ["", "", "", "n", "r", "l", "m"]
FINAL_CODAS = ["n", "r", "l", "m", "t", "k", "nd", "rt", "ld", "nt", "rn", "ck", "st"]

ORG_SUFFIXES = ["Systems", "Group", "Partners", "Holding", "Labs", "Institute", "Works",
                "Energy", "Logistics", "Capital", "Werke", "Gruppe", "Industries", "Foundation"]
PRODUCT_SUFFIXES = ["X7", "300", "Pro", "One", "Mini", "II", "Max", "Air", "S2", "Cloud"]
PLACE_PREFIXES = ["Port", "Bad", "Upper", "Lower", "Neu", "Fort", "Saint"]
PLACE_SUFFIXES = ["Valley", "Bay", "Heights", "Harbour", "Tal", "Hafen", "Island"]
POLICY_SUFFIXES = [("Accord", "Abkommen"), ("Act", "Gesetz"), ("Plan", "Plan"),
                   ("Reform", "Reform"), ("Pact", "Pakt"), ("Directive", "Richtlinie")]
PUBLICATION_SUFFIXES = ["Courier", "Post", "Zeitung", "Rundschau", "Herald", "Gazette",
                        "Tribune", "Anzeiger", "Review", "Observer"]

TYPE_WEIGHTS = [("person", 34), ("organization", 24), ("product", 11), ("place", 12),
                ("policy", 9), ("publication", 10)]
FIRST_TYPES = ["publication", "person", "organization", "place", "product", "policy"]
PERSON_ROLES = ["economist", "regional minister", "union leader", "spokesperson", "mayor",
                "chief executive", "analyst", "judge", "party leader", "researcher",
                "auditor", "trade envoy"]
ORG_KINDS = ["energy company", "logistics group", "trade association", "research institute",
             "regional bank", "construction firm", "software maker", "public agency",
             "lobby group", "shipping line"]

AUTHORS = ["Anna Berger", "Jonas Keller", "Mira Lang", "Tom Hartley", "Lena Fischer",
           "Sam Okafor", "Ruth Meyer", "Paul Dunmore", "Ines Vogt", "Clara Weiss",
           "David Ashworth", "Nora Brandt", "Felix Albrecht", "Maya Lindqvist", "Owen Price"]
SOURCE_PUBLISHERS = [
    "Statistics Office (fictional)", "Regional Audit Court (fictional)",
    "Ministry of Finance (fictional)", "Open Budget Data (fictional)",
    "Harbour Authority (fictional)", "Federal Energy Agency (fictional)",
    "Court Records Service (fictional)", "Institute for Economic Research (fictional)",
    "Parliamentary Library (fictional)", "Environmental Monitoring Unit (fictional)",
    "Transport Observatory (fictional)", "Press Office of the Council (fictional)",
]
SOURCE_DOMAINS = ["example.com", "www.example.org", "data.example.net", "news.example.com",
                  "archive.example.org", "stats.example.org", "docs.example.com"]
SOURCE_KINDS = ["Annual report on the", "Data release:", "Audit of the", "Minutes of the",
                "Statement on the", "Court filing on the", "Briefing on the", "Figures for the"]

RATINGS = [
    ("accurate", "Accurate", "The claim is correct and nothing significant is missing.", 6, True),
    ("mostly-accurate", "Mostly accurate",
     "The claim is correct in substance but simplified or missing minor context.", 5, True),
    ("misleading", "Misleading",
     "The claim contains correct elements but leaves a false impression.", 3, True),
    ("disputed", "Disputed",
     "Credible sources contradict each other and the evidence does not settle it.", 2, True),
    ("inaccurate", "Inaccurate", "The claim is false according to the best available evidence.",
     1, True),
    ("unverified", "Unverified",
     "Not yet settled: the review is in progress and the rating may change.", None, False),
    ("opinion", "Opinion",
     "A judgement or forecast that cannot be checked against facts.", None, True),
]
RATING_WEIGHTS = [20, 20, 15, 10, 15, 10, 10]

_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss",
                          "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"})
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def slugify(text: str, limit: int = 80) -> str:
    """Lowercase ASCII slug, umlauts transliterated, cut at a hyphen to at most `limit`."""
    slug = _NON_ALNUM.sub("-", text.translate(_UMLAUTS).lower()).strip("-")
    if len(slug) > limit:
        slug = slug[:limit]
        slug = slug[: slug.rfind("-")] if "-" in slug else slug
    return slug.strip("-") or "x"


def q(text: str) -> str:
    """A YAML double-quoted scalar (JSON string syntax is a subset of it)."""
    return json.dumps(text, ensure_ascii=False)


# -- model -------------------------------------------------------------------------------------


@dataclass
class Entity:
    id: str
    name: str
    type: str
    aliases: list[str]
    forms: list[str]  # how the texts name it (name and non-genitive aliases)
    genitives: list[str]  # German genitive aliases ("Holts"), possibly empty
    description: str
    wikidata: str = ""
    links: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Sentence:
    text: str  # without the final period
    words: int
    entity: str | None  # the entity it names, if any


# -- generator ---------------------------------------------------------------------------------


class Generator:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        vocab = [*EN_NOUNS, *EN_SPEAKERS, *EN_ADJECTIVES, *[w for pair in EN_VERBS for w in pair],
                 *DE_NOUNS_M, *DE_NOUNS_F, *DE_NOUNS_N, *DE_ADJECTIVES, *DE_VERBS,
                 *PLACE_PREFIXES, *PLACE_SUFFIXES, *ORG_SUFFIXES, *PUBLICATION_SUFFIXES]
        self.taken: set[str] = {w.lower() for w in vocab}
        self.taken |= {w.lower() + "s" for w in vocab}
        self.entities: list[Entity] = []

    # names

    def invented_word(self) -> str:
        """A new capitalised word, not in any vocabulary and not used before."""
        rng = self.rng
        while True:
            parts = [rng.choice(ONSETS) + rng.choice(NUCLEI) + rng.choice(INNER_CODAS)
                     for _ in range(rng.choice((1, 1, 1, 1, 2)))]
            last = rng.choice(ONSETS) + rng.choice(NUCLEI) + rng.choice(FINAL_CODAS)
            word = ("".join(parts) + last).capitalize()
            low = word.lower()
            if not 4 <= len(word) <= 10 or low in self.taken or low.endswith("s"):
                continue
            self.taken.add(low)
            self.taken.add(low + "s")
            return word

    def make_entity(self, etype: str) -> Entity:
        rng = self.rng
        word = self.invented_word()
        genitives: list[str] = []
        extra: list[str] = []
        if etype == "person":
            first = self.invented_word()
            middle = f" {self.invented_word()}" if rng.random() < 0.12 else ""
            name = f"{first}{middle} {word}"
            aliases = [word]
            extra = [word + "s", name + "s"]
            forms = [name, word, word]
            description = f"Invented {rng.choice(PERSON_ROLES)} (synthetic benchmark entity)."
        elif etype == "organization":
            name = f"{word} {rng.choice(ORG_SUFFIXES)}"
            aliases = [word]
            extra = [word + "s", f"{word}-Konzern"]
            forms = [name, word]
            description = f"Invented {rng.choice(ORG_KINDS)} (synthetic benchmark entity)."
        elif etype == "product":
            name = f"{word} {rng.choice(PRODUCT_SUFFIXES)}"
            aliases = [word]
            extra = [word + "s", f"{word}-Serie"]
            forms = [name, word]
            description = "Invented product line (synthetic benchmark entity)."
        elif etype == "place":
            if rng.random() < 0.5:
                name = f"{rng.choice(PLACE_PREFIXES)} {word}"
            else:
                name = f"{word} {rng.choice(PLACE_SUFFIXES)}"
            aliases = [word]
            extra = [word + "s", name + "s"]
            forms = [name, word]
            description = "Invented town or region (synthetic benchmark entity)."
        elif etype == "policy":
            en_suffix, de_suffix = rng.choice(POLICY_SUFFIXES)
            name = f"{word} {en_suffix}"
            aliases = [f"{word}-{de_suffix}"]
            extra = [word + "s", word]
            forms = [name, aliases[0]]
            description = "Invented law, treaty or programme (synthetic benchmark entity)."
        else:  # publication
            suffix = rng.choice(PUBLICATION_SUFFIXES)
            if rng.random() < 0.3:
                name = f"The {word} {suffix}"
                aliases = [f"{word} {suffix}"]
            else:
                name = f"{word} {suffix}"
                aliases = [word]
            extra = [word + "s"]
            forms = [name, aliases[0]]
            description = "Invented news outlet (synthetic benchmark entity)."
        for alias in rng.sample(extra, rng.randint(0, min(2, len(extra)))):
            aliases.append(alias)
            if alias.endswith("s") and alias[:-1] in (name, word):
                genitives.append(alias)
            elif alias not in forms:
                forms.append(alias)
        entity_id = slugify(name)
        wikidata = f"Q{rng.randint(1000, 99_999_999)}" if rng.random() < 0.35 else ""
        links = []
        if etype == "publication" or rng.random() < 0.1:
            links.append(("Website (fictional)", f"https://{entity_id}.example.com/"))
        return Entity(entity_id, name, etype, aliases, forms, genitives, description, wikidata,
                      links)

    def make_entities(self, count: int) -> None:
        types = [t for t, _ in TYPE_WEIGHTS]
        weights = [w for _, w in TYPE_WEIGHTS]
        for index in range(count):
            if index < len(FIRST_TYPES):
                etype = FIRST_TYPES[index]
            else:
                etype = self.rng.choices(types, weights)[0]
            self.entities.append(self.make_entity(etype))
        self.by_id = {e.id: e for e in self.entities}
        self.publications = [e for e in self.entities if e.type == "publication"]

    # English

    def tail_kind(self, used: list[str], cast: list[Entity]) -> str | None:
        """A kind of sentence tail; only prepositional phrases may repeat (twice)."""
        kinds, weights = [], []
        for kind, weight in zip(TAIL_KINDS, TAIL_WEIGHTS, strict=True):
            if kind == "source" and not cast:
                continue
            if used.count(kind) >= (2 if kind == "pp" else 1):
                continue
            kinds.append(kind)
            weights.append(weight)
        if not kinds:
            return None
        kind = self.rng.choices(kinds, weights)[0]
        used.append(kind)
        return kind

    def np_en(self, nouns: list[str] = EN_NOUNS) -> list[str]:
        rng = self.rng
        words = []
        if rng.random() < 0.6:
            words.append(rng.choice(EN_ADJECTIVES))
        words.append(rng.choice(nouns))
        det = rng.choice(EN_DETERMINERS)
        if det == "a" and (words[0][0] in "aeio" or words[0].startswith(("und", "unp", "une"))):
            det = "an"
        return [det, *words]

    def subject_en(self, cast: list[Entity], speaker: bool = False,
                   forced: Entity | None = None) -> tuple[list[str], str | None]:
        """The subject: a noun phrase or (always if `forced`) a name of an entity of the cast."""
        rng = self.rng
        pool = [e for e in cast if e.type in CLAIMANT_TYPES] if speaker else cast
        if forced or (pool and rng.random() < (0.5 if speaker else 0.3)):
            entity = forced or rng.choice(pool)
            form = rng.choice(entity.forms)
            if rng.random() < 0.2:
                return [*(form + "'s").split(), *self.np_en()[1:]], entity.id
            return form.split(), entity.id
        return self.np_en(EN_SPEAKERS if speaker else EN_NOUNS), None

    def clause_en(self, cast: list[Entity],
                  forced: Entity | None = None) -> tuple[list[str], str | None]:
        subject, entity = self.subject_en(cast, forced=forced)
        return [*subject, self.rng.choice(EN_VERBS)[1], *self.np_en()], entity

    def tail_en(self, cast: list[Entity], used: list[str]) -> list[str]:
        rng = self.rng
        kind = self.tail_kind(used, cast)
        if kind == "pp":
            return [rng.choice(EN_PREPOSITIONS), *self.np_en()]
        if kind == "time":
            return list(rng.choice(EN_TIMES))
        if kind == "percent":
            return ["by", str(rng.randint(2, 60)), "percent"]
        if kind == "cost":
            return ["at", "a", "cost", "of", str(rng.randint(3, 900)), "million", "euros"]
        if kind == "source":
            return ["according", "to", *rng.choice(rng.choice(cast).forms).split()]
        return []

    def sentence_en(self, cast: list[Entity], forced: Entity | None = None) -> Sentence:
        rng = self.rng
        target = rng.randint(MIN_SENTENCE, MAX_SENTENCE - 3)
        roll = rng.random()
        if roll < 0.5:
            words, entity = self.clause_en(cast, forced)
        elif roll < 0.7:
            subject, entity = self.subject_en(cast, speaker=True, forced=forced)
            clause, _ = self.clause_en([])
            words = [*subject, rng.choice(EN_REPORTING), "that", *clause]
        elif roll < 0.85:
            clause, entity = self.clause_en(cast, forced)
            words = [*rng.choice(EN_WEEKDAY_OPENERS), *clause]
        else:
            words, entity = self.clause_en(cast, forced)
            second, _ = self.clause_en([])
            words[-1] += ","
            words += [rng.choice(EN_CONNECTORS), *second]
        used: list[str] = []
        others = [e for e in cast if e.id != entity]
        return self.finish(words, target, entity, lambda: self.tail_en(others, used))

    def heading_en(self) -> str:
        rng = self.rng
        words = [rng.choice(EN_ADJECTIVES), rng.choice(EN_NOUNS)]
        if rng.random() < 0.7:
            words += [rng.choice(EN_PREPOSITIONS), "the", rng.choice(EN_NOUNS)]
        return " ".join(words)

    # German

    def np_de(self, case: str, det: str | None = None,
              nouns: list[tuple[str, str]] = DE_NOUNS) -> list[str]:
        rng = self.rng
        noun, gender = rng.choice(nouns)
        g = GENDER_INDEX[gender]
        det = det or rng.choice(DE_DETERMINERS)
        words = [DE_ARTICLES[det][case][g]]
        if rng.random() < 0.6:
            endings = DE_MIXED if det == "ein" else DE_WEAK
            words.append(rng.choice(DE_ADJECTIVES) + endings[case][g])
        words.append(noun)
        return words

    def pp_de(self) -> list[str]:
        """A dative prepositional phrase; 'von dem' and 'bei dem' contract to 'vom', 'beim'."""
        prep = self.rng.choice(DE_PREPOSITIONS)
        phrase = self.np_de("dat", "def")
        if phrase[0] == "dem" and prep in DE_CONTRACTIONS:
            return [DE_CONTRACTIONS[prep], *phrase[1:]]
        return [prep, *phrase]

    def subject_de(self, cast: list[Entity], speaker: bool = False,
                   forced: Entity | None = None) -> tuple[list[str], str | None]:
        """The subject: a noun phrase or (always if `forced`) a name of an entity of the cast."""
        rng = self.rng
        pool = [e for e in cast if e.type in CLAIMANT_TYPES] if speaker else cast
        if forced or (pool and rng.random() < (0.5 if speaker else 0.3)):
            entity = forced or rng.choice(pool)
            if entity.genitives and rng.random() < 0.35:
                noun, gender = rng.choice(DE_NOUNS)
                adj = rng.choice(DE_ADJECTIVES) + DE_STRONG_NOM[GENDER_INDEX[gender]]
                return [*rng.choice(entity.genitives).split(), adj, noun], entity.id
            return rng.choice(entity.forms).split(), entity.id
        return self.np_de("nom", nouns=DE_SPEAKERS if speaker else DE_NOUNS), None

    def tail_de(self, cast: list[Entity], used: list[str]) -> list[str]:
        rng = self.rng
        kind = self.tail_kind(used, cast)
        if kind == "pp":
            return self.pp_de()
        if kind == "time":
            return list(rng.choice(DE_TIMES))
        if kind == "percent":
            return ["um", str(rng.randint(2, 60)), "Prozent"]
        if kind == "cost":
            return ["für", str(rng.randint(3, 900)), "Millionen", "Euro"]
        if kind == "source":
            return ["laut", *rng.choice(rng.choice(cast).forms).split()]
        return []

    def subclause_de(self, target: int, used: int) -> list[str]:
        """Subordinate clause, verb last: 'dass die Behörde den Plan am Dienstag prüft'."""
        words = [*self.np_de("nom"), *self.np_de("acc")]
        kinds: list[str] = []
        while used + len(words) + 1 < target:
            tail = self.tail_de([], kinds)
            if not tail:
                break
            if used + len(words) + len(tail) + 1 > MAX_SENTENCE:
                break
            words += tail
        return [*words, self.rng.choice(DE_VERBS)]

    def sentence_de(self, cast: list[Entity], forced: Entity | None = None) -> Sentence:
        rng = self.rng
        target = rng.randint(MIN_SENTENCE, MAX_SENTENCE - 3)
        roll = rng.random()
        if roll < 0.45:
            subject, entity = self.subject_de(cast, forced=forced)
            words = [*subject, rng.choice(DE_VERBS), *self.np_de("acc")]
        elif roll < 0.65:
            subject, entity = self.subject_de(cast, speaker=True, forced=forced)
            words = [*subject, rng.choice(DE_REPORTING) + ",", "dass"]
            words += self.subclause_de(target, len(words))
            return self.finish(words, 0, entity, lambda: [])
        elif roll < 0.85:
            subject, entity = self.subject_de(cast, forced=forced)
            words = [*rng.choice(DE_OPENERS), rng.choice(DE_VERBS), *subject,
                     *self.np_de("acc")]
        else:
            subject, entity = self.subject_de(cast, forced=forced)
            words = [*subject, rng.choice(DE_VERBS), *self.np_de("acc")]
            words[-1] += ","
            words.append(rng.choice(DE_CONNECTORS))
            words += self.subclause_de(target, len(words))
            return self.finish(words, 0, entity, lambda: [])
        used: list[str] = []
        others = [e for e in cast if e.id != entity]
        return self.finish(words, target, entity, lambda: self.tail_de(others, used))

    def heading_de(self) -> str:
        rng = self.rng
        noun, gender = rng.choice(DE_NOUNS)
        adj = rng.choice(DE_ADJECTIVES) + DE_STRONG_NOM[GENDER_INDEX[gender]]
        words = [adj.capitalize(), noun]
        if rng.random() < 0.7:
            words += self.pp_de()
        return " ".join(words)

    def title_de(self, cast: list[Entity]) -> str:
        rng = self.rng
        subject, _ = self.subject_de(cast) if rng.random() < 0.6 else (self.np_de("nom"), None)
        words = [*subject, rng.choice(DE_VERBS), *self.np_de("acc")]
        if rng.random() < 0.6:
            words += self.tail_de(cast, ["source"])
        text = " ".join(words)
        return text[0].upper() + text[1:]

    def title_en(self, cast: list[Entity]) -> str:
        rng = self.rng
        subject, _ = self.subject_en(cast) if rng.random() < 0.6 else (self.np_en(), None)
        words = [*subject, rng.choice(EN_VERBS)[1], *self.np_en()]
        if rng.random() < 0.6:
            words += self.tail_en(cast, ["source"])
        text = " ".join(words)
        return text[0].upper() + text[1:]

    # shared

    def finish(self, words: list[str], target: int, entity: str | None,
               tail: Callable[[], list[str]]) -> Sentence:
        """Add tails until `target` words, never past MAX_SENTENCE words."""
        while len(words) < target:
            extra = tail()
            if not extra or len(words) + len(extra) > MAX_SENTENCE:
                break
            words += extra
        if not MIN_SENTENCE <= len(words) <= MAX_SENTENCE:  # the grammar above prevents it
            raise AssertionError(f"sentence of {len(words)} words: {words}")
        text = " ".join(words)
        text = text[0].upper() + text[1:]
        return Sentence(text, len(words), entity)

    # articles

    def cast_for(self, forced: list[Entity]) -> list[Entity]:
        """The entities an article names: `forced` plus popular ones (a skewed choice)."""
        rng = self.rng
        n = len(self.entities)
        size = max(len(forced), min(n, rng.randint(2, 6)))
        cast = list(forced)
        while len(cast) < size:
            entity = self.entities[int(n * rng.random() ** 1.6)]
            if entity not in cast:
                cast.append(entity)
        return cast

    def article(self, index: int, count: int, used_slugs: set[str],
                used_titles: set[str]) -> dict:
        """Article `index` of `count`: its Markdown file, claims file, slug and counts.

        Entity j is named in article j % count, so every entity is mentioned somewhere.
        """
        rng = self.rng
        lang = "de" if rng.random() < 0.5 else "en"
        forced = self.entities[index::count]
        cast = self.cast_for(forced)
        make = self.sentence_de if lang == "de" else self.sentence_en
        heading = self.heading_de if lang == "de" else self.heading_en

        target = rng.randint(MIN_WORDS + 20, MAX_WORDS - 35)
        paragraphs: list[list[Sentence]] = []
        total = 0
        while total < target:
            sentences = [make(cast, forced.pop(0) if forced else None)
                         for _ in range(rng.randint(3, 7))]
            size = sum(s.words for s in sentences)
            while total + size > MAX_WORDS - 30 and len(sentences) > 3:
                size -= sentences.pop().words
            if total + size > MAX_WORDS - 30:
                break
            paragraphs.append(sentences)
            total += size

        n_headings = min(rng.randint(2, 5), len(paragraphs))
        positions = sorted(rng.sample(range(len(paragraphs)), n_headings))
        blocks: list[str] = []
        words = total
        for number, sentences in enumerate(paragraphs):
            if number in positions:
                title = heading()
                words += len(title.split())
                blocks.append("## " + title)
            blocks.append(" ".join(s.text + "." for s in sentences))
        body = "\n\n".join(blocks) + "\n"

        while True:
            title = self.title_de(cast) if lang == "de" else self.title_en(cast)
            if title not in used_titles:
                break
        used_titles.add(title)
        slug = slugify(title, 72)
        base, n = slug, 2
        while slug in used_slugs:
            slug, n = f"{base}-{n}", n + 1
        used_slugs.add(slug)

        date = FIRST_DAY + dt.timedelta(days=rng.randint(0, (LAST_ARTICLE_DAY - FIRST_DAY).days))
        publisher = rng.choice(self.publications)
        summary = make(cast).text + "."
        authors = rng.sample(AUTHORS, rng.choice((1, 1, 1, 2)))
        url = f"https://{publisher.id}.example.com/{date.year}/{slug}"
        front = [
            "---",
            f"title: {q(title)}",
            f"date: {date.isoformat()}",
            f"lang: {lang}",
            f"url: {q(url)}",
            f"publisher: {publisher.id}",
            "authors: [" + ", ".join(q(a) for a in authors) + "]",
            f"summary: {q(summary)}",
            "---",
            "",
        ]
        text = "\n".join(front) + "\n" + body

        claims = self.claims(index, slug, body, paragraphs, cast, date, url, title, publisher)
        return {"slug": slug, "article": text, "claims": claims[0], "n_claims": claims[1],
                "words": words,
                # for the Hugo copy (hugo_site.py); none of this draws from the generator
                "hugo": {"slug": slug, "title": title, "date": date, "lang": lang, "url": url,
                         "publisher": publisher.id, "authors": authors, "summary": summary,
                         "body": body, "cast": [e.id for e in cast], "claims_yaml": claims[0]}}

    def claims(self, index: int, slug: str, body: str, paragraphs: list[list[Sentence]],
               cast: list[Entity], date: dt.date, url: str, title: str,
               publisher: Entity) -> tuple[str, int]:
        rng = self.rng
        candidates = []
        for sentences in paragraphs:
            for sentence in sentences:
                first = body.find(sentence.text)
                if first != -1 and body.find(sentence.text, first + 1) == -1:
                    candidates.append(sentence)
        chosen = rng.sample(candidates, min(len(candidates), rng.randint(3, 8)))
        lines = [f"# Synthetic claims on article {index + 1} (bench/gen_archive.py).",
                 f"article: {slug}", "claims:"]
        speakers = [e for e in cast if e.type in CLAIMANT_TYPES] or cast
        for number, sentence in enumerate(chosen, start=1):
            named = self.by_id.get(sentence.entity or "")
            claimant = named if named and named.type in CLAIMANT_TYPES else rng.choice(speakers)
            others = [e for e in cast if e is not claimant] or [claimant]
            about = rng.sample(others, min(len(others), rng.randint(1, 3)))
            if named and named is not claimant and named not in about:
                about[0] = named
            roll = rng.random()
            attribution = ("confirmed" if roll < 0.8 else
                           "unconfirmed" if roll < 0.92 else "misattributed")
            rating = rng.choices(RATINGS, RATING_WEIGHTS)[0]
            reviewed = min(LAST_DAY, date + dt.timedelta(days=rng.randint(1, 60)))
            sources = [self.source(date, about[0]) for _ in range(2)]
            lines += [
                "",
                f"  - id: c-{index + 1:06d}-{number}",
                f"    quote: {q(sentence.text)}",
                f"    claim: {q(self.paraphrase(claimant, about[0]))}",
                f"    claimant: {claimant.id}",
            ]
            if rng.random() < 0.4:
                lines.append(f"    appearance: {{date: {date.isoformat()}, title: {q(title)}, "
                             f"url: {q(url)}}}")
            lines.append(f"    attribution: {attribution}")
            if attribution == "misattributed":
                actual = rng.choice(self.entities)
                while actual is claimant:
                    actual = rng.choice(self.entities)
                lines.append(f"    actual_claimant: {actual.id}")
            lines += [
                "    about: [" + ", ".join(e.id for e in about) + "]",
                f"    rating: {rating[0]}",
                f"    reviewed: {reviewed.isoformat()}",
                "    review: |",
                *("      " + line for line in self.review(claimant, about[0], rating, sources)),
                "    sources:",
            ]
            for src in sources:
                lines += [
                    f"      - url: {q(src['url'])}",
                    f"        title: {q(src['title'])}",
                    f"        publisher: {q(src['publisher'])}",
                    f"        date: {src['date']}",
                ]
            if rng.random() < 0.08:
                when = min(LAST_DAY, reviewed + dt.timedelta(days=rng.randint(1, 90)))
                note = rng.choice(["Source [2] updated to the final figures; rating unchanged",
                                   "Claimant's reply added; rating unchanged",
                                   "Corrected the date of source [1]"])
                lines += ["    updates:", f"      - {{date: {when.isoformat()}, note: {q(note)}}}"]
        return "\n".join(lines) + "\n", len(chosen)

    def paraphrase(self, claimant: Entity, about: Entity) -> str:
        rng = self.rng
        while True:
            noun, adj = rng.choice(EN_NOUNS), rng.choice(EN_ADJECTIVES)
            verb = rng.choice(EN_VERBS)
            options = [
                f"{about.name} {verb[1]} the {adj} {noun}",
                f"{about.name}'s {noun} will cost {rng.randint(3, 900)} million euros",
                f"The {noun} rose by {rng.randint(2, 60)} percent under {about.name}",
                f"{about.name} {verb[1]} the {noun} in {rng.randint(2012, 2025)}",
                f"{claimant.name} will {verb[0]} the {adj} {noun}",
            ]
            text = rng.choice(options)
            if len(text) < 75:
                return text

    def source(self, date: dt.date, about: Entity) -> dict[str, str]:
        rng = self.rng
        noun = rng.choice(EN_NOUNS)
        when = date - dt.timedelta(days=rng.randint(0, min(400, (date - FIRST_DAY).days)))
        domain = rng.choice(SOURCE_DOMAINS)
        return {
            "url": f"https://{domain}/{when.year}/{noun}-{rng.randint(100, 99999)}",
            "title": f"{rng.choice(SOURCE_KINDS)} {noun} ({about.name})",
            "publisher": rng.choice(SOURCE_PUBLISHERS),
            "date": when.isoformat(),
        }

    def review(self, claimant: Entity, about: Entity, rating: tuple,
               sources: list[dict[str, str]]) -> list[str]:
        rng = self.rng
        noun = rng.choice(EN_NOUNS)
        verdict = {
            "accurate": "confirm the claim",
            "mostly-accurate": "confirm the claim in substance",
            "misleading": "show that the claim leaves out key context",
            "disputed": "point in different directions",
            "inaccurate": "contradict the claim",
            "unverified": "do not settle the question yet",
            "opinion": "give context but cannot confirm a judgement",
        }[rating[0]]
        sentences = [
            f"{sources[0]['publisher']} [1] gives the figures for the {noun} of {about.name}.",
            f"Its data and the later report of {sources[1]['publisher']} [2] {verdict}.",
        ]
        extras = [
            f"{claimant.name} did not answer our questions about the {noun}.",
            f"We rate the claim {rating[1].lower()}.",
            f"The {rng.choice(EN_ADJECTIVES)} {noun} was not part of this review.",
        ]
        sentences += rng.sample(extras, rng.randint(0, 2))
        return [" ".join(sentences)]


# -- writing -----------------------------------------------------------------------------------


SITE_TITLE = "Synthetic benchmark archive"
SITE_DESCRIPTION_LINES = (
    "Invented articles in German and English with annotated claims, generated",
    "deterministically for benchmarking sitegen.",
)
SITE_DESCRIPTION = " ".join(SITE_DESCRIPTION_LINES)
PAGE_SIZE = 50
# What --hugo writes into HUGO_DIR (and --force replaces there).
HUGO_PARTS = ("hugo.yaml", "content", "data", "layouts", "static")


def site_yaml() -> str:
    lines = [
        "# Synthetic benchmark archive written by bench/gen_archive.py; do not edit by hand.",
        f"title: {SITE_TITLE}",
        "description: >-",
        *(f"  {line}" for line in SITE_DESCRIPTION_LINES),
        "language: en",
        f"base_url: {BASE_URL}",
        f"page_size: {PAGE_SIZE}",
        "publisher:",
        "  name: Bench Fact Desk",
        f"  url: {BASE_URL}",
        "ratings:",
    ]
    for rating_id, label, description, value, final in RATINGS:
        lines += [f"  - id: {rating_id}", f"    label: {q(label)}",
                  f"    description: {q(description)}"]
        if value is not None:
            lines.append(f"    value: {value}")
        lines.append(f"    final: {'true' if final else 'false'}")
    return "\n".join(lines) + "\n"


def entity_yaml(entity: Entity) -> str:
    lines = [
        f"name: {q(entity.name)}",
        f"type: {entity.type}",
        "aliases: [" + ", ".join(q(a) for a in entity.aliases) + "]",
        f"description: {q(entity.description)}",
    ]
    if entity.wikidata:
        lines.append(f"wikidata: {entity.wikidata}")
    if entity.links:
        lines.append("links:")
        lines += [f"  - {{title: {q(t)}, url: {q(u)}}}" for t, u in entity.links]
    return "\n".join(lines) + "\n"


def write(path: Path, text: str) -> None:
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        handle.write(text)


def generate(out: Path, articles: int, seed: int = 1,
             hugo: Path | None = None) -> dict[str, int]:
    """Write a synthetic site of `articles` articles into `out`; return the counts.

    `out` may exist and hold other files, but not site.yaml, content/ or seeds/. With `hugo`,
    also write the archive as a Hugo site there (which must not hold hugo.yaml, content/,
    data/, layouts/ or static/).
    """
    if articles < 1:
        raise ValueError("articles must be at least 1")
    out = Path(out)
    for name in ("site.yaml", "content", "seeds"):
        if (out / name).exists():
            raise FileExistsError(f"{out / name} already exists")
    if hugo is not None:
        for name in HUGO_PARTS:
            if (Path(hugo) / name).exists():
                raise FileExistsError(f"{Path(hugo) / name} already exists")
    gen = Generator(seed)
    gen.make_entities(max(5, articles // 5))
    hugo_site = None
    if hugo is not None:
        from hugo_site import HugoSite  # bench/ is on sys.path for the bench scripts

        hugo_site = HugoSite(Path(hugo))
        hugo_site.start(base_url=BASE_URL, title=SITE_TITLE, description=SITE_DESCRIPTION,
                        page_size=PAGE_SIZE, ratings=RATINGS, entities=gen.entities)

    folders = {name: out / "content" / name for name in ("articles", "claims", "entities")}
    for folder in folders.values():
        folder.mkdir(parents=True, exist_ok=True)
    write(out / "site.yaml", site_yaml())
    for entity in gen.entities:
        write(folders["entities"] / f"{entity.id}.yaml", entity_yaml(entity))

    counts = {"articles": articles, "claims": 0, "entities": len(gen.entities), "words": 0}
    used_slugs: set[str] = set()
    used_titles: set[str] = set()
    for index in range(articles):
        made = gen.article(index, articles, used_slugs, used_titles)
        write(folders["articles"] / f"{made['slug']}.md", made["article"])
        write(folders["claims"] / f"{made['slug']}.yaml", made["claims"])
        counts["claims"] += made["n_claims"]
        counts["words"] += made["words"]
        if hugo_site is not None:
            hugo_site.add_article(**made["hugo"])
    if hugo_site is not None:
        hugo_site.finish()
    return counts


def edit_review(claims_file: Path, note: str = "Edited for the benchmark.") -> None:
    """Add `note` to the first line of the first review of a claims file (the
    benchmarks' edit: it keeps every page's place, so a rebuild can be quick)."""
    text = claims_file.read_text(encoding="utf-8")
    edited = re.sub(r"(    review: \|\n      [^\n]*)", lambda m: f"{m.group(1)} {note}", text,
                    count=1)
    assert edited != text, claims_file
    claims_file.write_text(edited, encoding="utf-8")


def clear(out: Path, files: tuple[str, ...] = ("site.yaml",),
          folders: tuple[str, ...] = ("content", "seeds")) -> None:
    """Delete what a previous run wrote (by default site.yaml, content/ and seeds/), nothing
    else."""
    for name in files:
        path = out / name
        if path.is_file() or path.is_symlink():
            path.unlink()
    for name in folders:
        folder = out / name
        if folder.is_symlink() or folder.is_file():
            folder.unlink()
        elif folder.is_dir():
            shutil.rmtree(folder)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Write a deterministic synthetic sitegen archive for benchmarks.")
    parser.add_argument("out", type=Path, metavar="OUT_DIR", help="folder to write the site to")
    parser.add_argument("--articles", type=int, required=True, metavar="N",
                        help="number of articles (entities: N/5, claims: about 5.5 N)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--hugo", type=Path, metavar="HUGO_DIR",
                        help="also write the archive as a Hugo site into this folder")
    parser.add_argument("--force", action="store_true",
                        help="replace site.yaml, content/ and seeds/ of a non-empty OUT_DIR "
                             "(and hugo.yaml, content/, data/, layouts/, static/ of HUGO_DIR)")
    args = parser.parse_args(argv)
    if args.articles < 1:
        parser.error("--articles must be at least 1")
    out: Path = args.out
    hugo: Path | None = args.hugo
    for folder in (out, hugo):
        if folder is not None and folder.exists() and not folder.is_dir():
            parser.error(f"{folder} exists and is not a folder")
    if hugo is not None and hugo.resolve() == out.resolve():
        parser.error("HUGO_DIR must differ from OUT_DIR (both have a content/ folder)")
    for folder, parts in ((out, ("site.yaml", "content", "seeds")), (hugo, HUGO_PARTS)):
        if folder is None or not folder.is_dir() or not any(folder.iterdir()):
            continue
        if not args.force:
            print(f"error: {folder} is not empty; pass --force to replace its "
                  f"{', '.join(parts)}", file=sys.stderr)
            return 2
        clear(folder, files=tuple(p for p in parts if "." in p),
              folders=tuple(p for p in parts if "." not in p))
    counts = generate(out, args.articles, args.seed, hugo)
    for key, value in counts.items():
        print(f"{key}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
