"""Word lists used to tell names from ordinary capitalised words.

Everything here is built by the project (nothing is downloaded): function
words come from scikit-learn's ``ENGLISH_STOP_WORDS`` (minus a few that are
also first names), and the rest are compact lists written for this toolkit:
conversational words that often open a sentence, and domain words of social
care talk (organisations, places that are not people, days and months,
software) that are capitalised but are not anyone's name.

Examples
--------
>>> from outcomes_qual.anonymise.wordlists import is_common_word, is_domain_word
>>> is_common_word("Yeah"), is_common_word("Llŷr")
(True, False)
>>> is_domain_word("Council"), is_domain_word("NHS")
(True, True)
"""

from __future__ import annotations

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

#: Stop words that are also first names: they never make a capitalised token
#: "just a function word".
NAME_LIKE_STOP_WORDS: frozenset[str] = frozenset({"bill", "will", "mill", "con", "fire", "cry"})

#: Function words (scikit-learn's list without the name-like ones, plus a few).
STOP_WORDS: frozenset[str] = frozenset(ENGLISH_STOP_WORDS - NAME_LIKE_STOP_WORDS) | frozenset(
    {
        "i",
        "im",
        "ive",
        "id",
        "ill",
        "dont",
        "didnt",
        "doesnt",
        "isnt",
        "wasnt",
        "arent",
        "werent",
        "wont",
        "wouldnt",
        "shouldnt",
        "havent",
        "hadnt",
        "lets",
        "thats",
        "theres",
        "theyre",
        "youre",
        "weve",
        "were",
        "yous",
        "ye",
        "aye",
        "nah",
        "yep",
        "yup",
    }
)

_CONVERSATIONAL = """
yes yeah yea no nope ok okay right well so um umm uh er erm ehm mm mmm hmm mhm ah oh ooh aw
sure thanks thank hi hello hiya bye cheers sorry pardon absolutely exactly definitely totally
actually basically really obviously honestly apparently anyway anyhow also just maybe perhaps
good great fine cool lovely brilliant fantastic excellent nice fair true false interesting
sometimes often usually normally generally typically occasionally always never today tonight
yesterday tomorrow now then later soon recently currently previously initially eventually
first firstly second secondly third thirdly finally lastly again still yet even lots loads
everyone everybody someone somebody anybody nobody people person thing things stuff bit
think thought know knew mean meant like liked said say says saying told tell tells asked ask
let look looking see seeing seen feel felt guess suppose reckon hope wish want wanted need
needed try tried trying get got getting go going gone went come came coming make made making
take took taking give gave given work worked working talk talked talking speak spoke spoken
agree agreed disagree remember forgot forget understand understood believe imagine wonder
because although though whereas unless until while whilst since if when where why how what
which who whom whose whatever whenever wherever however therefore thus hence meanwhile
another other others some any many much more most less least few several each every both
all none nothing something anything everything somewhere anywhere everywhere nowhere
here there this that these those it its they them their we us our you your he him his she her
my me mine one two three four five six seven eight nine ten eleven twelve hundred thousand
half quarter once twice last next new old big small little long short high low early late
best worst better worse good bad hard easy difficult different same similar whole real
important key main major minor certain particular specific general overall positive negative
personally professionally ultimately essentially certainly clearly probably possibly
hopefully unfortunately fortunately interestingly surprisingly naturally simply quite rather
very too enough almost nearly already especially particularly mostly mainly largely partly
again anyway instead otherwise besides moreover furthermore additionally equally similarly
alright aright righto indeed course sort kind type way ways time times day days week weeks
month months year years morning afternoon evening night moment point question answer case
example instance fact reason problem issue issues part place side end start beginning idea
ideas sense change changes difference family families mum mam mom dad mother father parent
parents child children kid kids baby son daughter brother sister nan gran grandma grandad
granny grandparents aunt auntie aunty uncle cousin partner husband wife boyfriend girlfriend
friend friends neighbour neighbours carer carers worker workers staff team teams colleague
colleagues manager managers practitioner practitioners senior seniors mentor mentors social
facilitator interviewer researcher participant participants everyone group groups service
services user users client clients customer customers individual individuals member members
yes please hang welcome hm hmm mmhmm uhuh
"""

#: Conversational and frequent words that open sentences but are not names.
CONVERSATIONAL_WORDS: frozenset[str] = frozenset(_CONVERSATIONAL.split())

_DOMAIN = """
council councils authority authorities local government governments assembly parliament
senedd cabinet committee board boards panel panels court courts tribunal ombudsman
inspectorate inspection inspections regulator commission commissioner department
departments directorate directorates division service services team teams unit units
hub hubs locality localities area areas region regions district districts county
city town village borough ward wards nhs gp gps camhs cahms hospital hospitals clinic
clinics surgery health care social work workers wellbeing well-being housing police
education school schools college colleges university universities nursery academy trust
trusts partnership partnerships network networks alliance association charity charities
foundation institute centre center office offices programme programmes project projects
framework frameworks guidance strategy strategies policy policies model models approach
approaches outcomes outcome act acts code codes law legislation regulations practice
practices standard standards review reviews plan plans planning assessment assessments
conference conferences meeting meetings forum forums supervision training learning
development improvement quality performance data system systems portal database
adult adults children child young people family families carers carer safeguarding
protection looked after accommodated foster fostering adoption kinship residential
disability disabilities disabled mental dementia autism substance misuse domestic abuse
violence reablement homecare domiciliary respite duty intake front door first contact
referral referrals case cases caseload casework worker manager managers practitioner
practitioners senior seniors mentor mentors director directors head heads chief lead
leader leaders leadership officer officers coordinator co-ordinator assistant consultant
principal deputy acting interim hearing hearings reporter reporters sheriff
provost children's panel
monday tuesday wednesday thursday friday saturday sunday weekend weekends
january february march april may june july august september october november december
spring summer autumn winter christmas easter new year
covid covid-19 coronavirus pandemic lockdown
wales welsh cymru scotland scottish england english britain british uk gb ireland irish
northern europe european eu international national
north south east west central northern southern eastern western mid
teams zoom skype microsoft google windows excel word powerpoint outlook email e-mail
internet online website web ipad iphone android whatsapp facebook twitter youtube
wifi pc laptop computer phone mobile smartphone app apps it hr ict pdf covid
english welsh gaelic bsl
mr mrs ms miss mx dr prof professor sir dame lady lord cllr councillor rev
ok okay
"""

#: Capitalised words of social care talk that are not people's names.
DOMAIN_WORDS: frozenset[str] = frozenset(_DOMAIN.split())

#: Titles that may precede a surname ("Mrs Jones"); matched with or without a dot.
TITLES: tuple[str, ...] = (
    "Mr",
    "Mrs",
    "Ms",
    "Miss",
    "Mx",
    "Dr",
    "Prof",
    "Professor",
    "Sir",
    "Dame",
    "Lady",
    "Lord",
    "Cllr",
    "Councillor",
    "Rev",
    "Father",
    "Sister",
    "Nurse",
    "Auntie",
    "Aunty",
    "Uncle",
    "Nana",
    "Nain",
    "Taid",
)

_TITLE_KEYS = frozenset(t.lower() for t in TITLES)

#: Words that make a speaker label a role or a number rather than a name
#: ("Practitioner 2", "Speaker 1", "SENIOR", "Facilitator").
GENERIC_LABEL_WORDS: frozenset[str] = frozenset(
    """practitioner practitioners senior seniors manager managers mentor mentors facilitator
    facilitators interviewer interviewee moderator researcher research participant participants
    respondent respondents speaker speakers person chair host co-host unknown other others
    social worker workers team leader member staff group all everyone audience voice male
    female man woman and""".split()
)

#: Words of SPEAKERS headers and transcript metadata that are not names.
HEADER_WORDS: frozenset[str] = frozenset(
    {
        "speakers",
        "speaker",
        "date",
        "title",
        "transcript",
        "present",
        "attendees",
        "method",
        "authority",
        "department",
        "location",
        "venue",
        "duration",
        "recorded",
        "group",
        "interview",
    }
)


def _key(word: str) -> str:
    return word.casefold().replace("'", "").replace("\u2019", "")


def is_stop_word(word: str) -> bool:
    """Return True when ``word`` is a function word (case-insensitive).

    Examples
    --------
    >>> is_stop_word("The"), is_stop_word("Will")
    (True, False)
    """
    return _key(word) in STOP_WORDS


def is_common_word(word: str) -> bool:
    """Return True when ``word`` is a function or conversational word.

    Examples
    --------
    >>> is_common_word("Honestly"), is_common_word("Megan")
    (True, False)
    """
    key = _key(word)
    return key in STOP_WORDS or key in CONVERSATIONAL_WORDS


def is_domain_word(word: str) -> bool:
    """Return True when ``word`` is a capitalised domain word that names no person.

    Examples
    --------
    >>> is_domain_word("Wednesday"), is_domain_word("Peter")
    (True, False)
    """
    key = _key(word)
    if key in DOMAIN_WORDS:
        return True
    # plurals of domain words (Tuesdays, Councils) and of acronyms (OTs, NQSWs)
    if len(word) > 2 and word.endswith("s") and (key[:-1] in DOMAIN_WORDS or word[:-1].isupper()):
        return True
    return False


def is_title(word: str) -> bool:
    """Return True when ``word`` (with or without a final dot) is a title like Mrs or Dr.

    Examples
    --------
    >>> is_title("Mrs."), is_title("Mum")
    (True, False)
    """
    return word.rstrip(".").casefold() in _TITLE_KEYS


def is_everyday_word(word: str) -> bool:
    """Return True when a name that is also an everyday word needs a capital to match.

    Names such as Will, Bill, Hope, Grace or Dawn are also words; they are
    matched only when written with a capital letter, so "we will" is left alone.

    Examples
    --------
    >>> is_everyday_word("Will"), is_everyday_word("Dawn"), is_everyday_word("Llŷr")
    (True, True, False)
    """
    key = _key(word)
    return (
        key in STOP_WORDS
        or key in NAME_LIKE_STOP_WORDS
        or key in CONVERSATIONAL_WORDS
        or key in DOMAIN_WORDS
        or key in EVERYDAY_NAME_WORDS
    )


#: First names and surnames that are also ordinary English words.
EVERYDAY_NAME_WORDS: frozenset[str] = frozenset(
    """dawn hope grace joy faith rose lily daisy holly ivy iris amber ruby pearl crystal
    summer autumn april may june sky robin jack mark pat sue ray rob bob sam frank victor
    gene guy dean heather jade april angel bill will mill rich price baker smith cook cooke
    taylor turner walker wood woods hill hills green brown white black gray grey young king
    bishop mason hunter fisher porter carter marsh moss lane brook brooks field fields page
    bell hall long short little bird fox wolf lamb stone rivers waters ford north south west
    hart love hardy wise sharp hale rush fry wall banks booth chance chase gold golding
    grant hay lord major miles pace penny ransom rowe shaw sterling strong vale wells""".split()
)
