"""The cue lexicon for theme suggestions: phrases a clinician writes, per built-in theme.

Written in this project's own words. Each cue is (pattern, weight). Pattern language, one
token per space-separated item:

    word          the word and its regular inflections (please: pleases, pleased, pleasing;
                  panic: panics, panicked, panicking; -ise and -ize spellings both match)
    =word         that exact form only
    word*         any word starting with "word" (dismiss*: dismissed, dismissive, dismissal)
    a|b|c         any of the alternatives; (a|b) reads the same
    item?         optional
    ~N            up to N other tokens in between, within one clause
    NEG           any negation word (no, not, never, can't, ...), when the negation is part of
                  the meaning: "NEG ~1 say no" (can't say no). A negation matched this way opens
                  no negation scope of its own.
    SI            a word in capitals (two letters or more) matches only when written in capitals

Weights: STRONG (1.0) is enough on its own; MEDIUM and WEAK add up. A theme is suggested from a
summed weight of 1.0 (themes/suggest.py THRESHOLD).
"""

import re

STRONG = 1.0
MEDIUM = 0.6
WEAK = 0.4


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# --- shared fragments ------------------------------------------------------------------------
MOTHER = "mother|mum|mom|mam|mummy|mommy|mama|mamma|stepmother|stepmum|stepmom"
FATHER = "father|dad|daddy|papa|stepfather|stepdad"
PARENT = f"{MOTHER}|{FATHER}|parent|parents"
PARTNER = "partner|husband|wife|boyfriend|girlfriend|spouse|fiance|fiancee|ex|hubby"
KIN = (
    f"{PARENT}|brother|sister|sibling|siblings|family|grandmother|grandfather|gran|nan|grandma|"
    "grandad|grandpa|aunt|uncle|cousin|laws"
)
CHILD = (
    "son|daughter|child|children|kids|kid|baby|toddler|teenager|teen|stepson|stepdaughter|"
    "twins|boy|girl|newborn|infant"
)
POSS = "(her|his|their|my|the)?"
SELF = "herself|himself|themselves|themself|myself|yourself"
REJECTING = (
    "cold|dismiss*|reject*|critic*|withholding|distant|harsh|unloving|unaffectionate|"
    "unavailable|hostile|contempt*|belittl*|disapprov*|scath*|cruel|icy|aloof|indifferent|"
    "unkind|demeaning|shaming|withering|unreachable|uninterested"
)
OTHERS = (
    f"him|her|them|someone|somebody|anyone|people|others|{PARTNER}|{KIN}|{CHILD}|"
    "neighbour|neighbor|boss|manager|colleague|colleagues|stranger|strangers|friend|man|woman"
)
WORK = (
    "work|job|workplace|office|boss|manager|workload|deadline*|colleague*|exam*|revision|"
    "study|studies|coursework|dissertation|meeting*|supervision|appraisal|presentation*|shift*|"
    "promotion|career|university|college|clients|team"
)
STRESSED = "stress*|pressure*|overwhelm*|struggl*|dread*|swamped|snowed|overload*|exhaust*|drain*"

THEME_CUES: dict[str, list[tuple[str, float]]] = {
    # --- attachment and family of origin ----------------------------------------------------
    "maternal-rejection": [
        (f"{MOTHER} ~3 {REJECTING}", STRONG),
        (f"{REJECTING} {MOTHER}", STRONG),
        (
            "reject*|dismiss*|belittl*|ignor*|criticis*|shunn*|unloved|unwanted|"
            f"put_down by {POSS} {MOTHER}",
            STRONG,
        ),
        (f"never|not|NEG ~2 good enough for {POSS} {MOTHER}", STRONG),
        (f"good enough for {POSS} {MOTHER}", MEDIUM),
        (
            f"{MOTHER} ~4 never|NEG ~3 proud|praise*|approv*|hug*|affection*|interest*|listen*|"
            "warm*|comfort*|there|love*|want*|accept*",
            STRONG,
        ),
        (f"{MOTHER} ~3 impossible to please", STRONG),
        (f"{MOTHER} ~3 never satisfied", STRONG),
        (
            f"{MOTHER} rejection|coldness|criticism|criticisms|contempt|disapproval|"
            "indifference|dismissiveness|neglect|withdrawal",
            STRONG,
        ),
        (
            f"{MOTHER} ~2 said|told|called|calls|says ~5 mistake|burden|useless|worthless|"
            "stupid|ugly|fat|selfish|disappointment|failure|nuisance|hopeless",
            STRONG,
        ),
        (f"{MOTHER} ~4 pick* apart", STRONG),
        (f"{MOTHER} ~3 favour*|favor*|preferred|prefers ~3 brother|sister|sibling*", STRONG),
        (f"{MOTHER} ~3 silent treatment", STRONG),
        (f"{MOTHER} ~3 put* ~1 her|him down", STRONG),
        ("maternal reject*|coldness|criticism|disapproval|neglect|withdrawal", STRONG),
        (f"earn* ~3 {MOTHER} love|approval|affection|attention", STRONG),
        (f"{MOTHER} ~3 never|NEG ~2 wanted (her|him|them)", STRONG),
    ],
    "paternal-rejection": [
        (f"{FATHER} ~3 {REJECTING}", STRONG),
        (f"{REJECTING} {FATHER}", STRONG),
        ("absent father|dad", STRONG),
        (
            "reject*|dismiss*|belittl*|ignor*|criticis*|abandon*|unloved|"
            f"unwanted by {POSS} {FATHER}",
            STRONG,
        ),
        (f"never|not|NEG ~2 good enough for {POSS} {FATHER}", STRONG),
        (f"{FATHER} ~2 walk* out", STRONG),
        (f"{FATHER} ~2 left|abandon* ~4 when|aged|age|family|home|us|them|her|him", STRONG),
        (
            f"{FATHER} ~4 never|rarely|seldom|hardly|NEG ~3 call*|phone*|visit*|came|around|"
            "there|proud|praise*|interest*|listen*|love*|want*|accept*|turn*_up|show*_up",
            STRONG,
        ),
        (
            f"{FATHER} coldness|absence|absences|rejection|criticism|indifference|contempt|"
            "disapproval|neglect",
            STRONG,
        ),
        (f"{FATHER} ~3 tune* ~2 out", STRONG),
        (f"{FATHER} ~3 cancel*", MEDIUM),
        (f"{FATHER} ~3 let* ~1 down", MEDIUM),
        (
            f"{FATHER} ~2 said|told|called|calls|says ~5 mistake|burden|useless|worthless|"
            "stupid|ugly|disappointment|failure|weak",
            STRONG,
        ),
        ("paternal reject*|absence|coldness|criticism|neglect", STRONG),
        (f"earn* ~3 {FATHER} love|approval|affection|attention|respect", STRONG),
    ],
    "emotional-neglect": [
        ("emotional|emotionally neglect*", STRONG),
        ("emotional needs ~3 NEG|unmet|ignored|overlooked", STRONG),
        (
            "no_one|nobody ~3 ask*|notic*|listen*|comfort*|cared|soothe*|there ~3 how|what|"
            "when|she|he|feel*|upset|sad",
            MEDIUM,
        ),
        (
            "feelings|emotions ~3 never|NEG|rarely ~3 talk*|discuss*|allowed|welcome*|mattered|"
            "acknowledg*|notic*|spoken",
            MEDIUM,
        ),
        (
            "fed|clothed|provided ~4 but ~4 feel*|emotion*|love|warmth|affection|attention|comfort",
            STRONG,
        ),
        ("learn* ~2 keep quiet|silent", MEDIUM),
        (f"learn* ~3 look after {SELF}", MEDIUM),
        ("learn* ~2 NEG ~2 need|cry|ask|show", MEDIUM),
        (f"{PARENT} ~3 emotionally absent|unavailable|distant|checked", STRONG),
        (f"emotionally absent|unavailable|distant {PARENT}", STRONG),
        ("felt|feel* invisible|unseen ~4 child|childhood|growing|home|family|house", STRONG),
        ("invisible|unseen", WEAK),
        ("lonely childhood", STRONG),
        ("left to fend for", STRONG),
        ("childhood ~3 lonely|loneliness|neglect*|empty", STRONG),
        ("neglect*", MEDIUM),
        (f"{PARENT} depression|breakdown|illness|addiction|drinking|absence|absences", MEDIUM),
    ],
    "fear-of-abandonment": [
        ("fear*|afraid|terrified|scared|frightened|dread*|terror|panic* ~2 abandon*", STRONG),
        (
            "fear*|afraid|terrified|scared|frightened|dread*|terror|panic* of being left|"
            "abandoned|dumped|alone",
            STRONG,
        ),
        (
            f"fear*|afraid|terrified|scared|frightened|dread*|worr*|convinced|sure ~3 {PARTNER}|"
            "he|she|they|people|everyone|friends ~2 will|would|might|is|are|going ~2 leave|"
            "leaving|abandon*|go|dump*|walk_away|find_someone",
            STRONG,
        ),
        ("abandon*", MEDIUM),
        ("separation anxiety|distress", MEDIUM),
        ("clingy|clinging|clingier", MEDIUM),
        (
            "NEG settle|relax|rest|calm|sleep ~3 until ~3 repl*|text*|call*|answer*|respond*|"
            "hear*|home|back",
            STRONG,
        ),
        (
            f"panic*|anxious|distress*|frantic|spiral* ~3 if|when ~3 {PARTNER}|he|she|"
            "they ~3 late|away|out|leav*|silent|quiet|repl*|text*|busy",
            STRONG,
        ),
        ("found|met|with|for someone else", MEDIUM),
        ("text*|call*|message*|ring* ~3 constantly|repeatedly|every_hour|hourly", MEDIUM),
        ("check* ~6 still love*|wants|cares", MEDIUM),
        ("being left", MEDIUM),
    ],
    "parentification": [
        ("parentif*", STRONG),
        ("young carer", STRONG),
        ("parental role", STRONG),
        (f"carer for|to {POSS} {PARENT}", MEDIUM),
        (
            "look*|care*|caring|cared|raise*|bring|brought|mind*|minded ~1 after|for|"
            "up ~2 younger? siblings|brothers|sisters|brother|sister",
            MEDIUM,
        ),
        ("younger siblings|brothers|sisters", WEAK),
        (
            f"{MOTHER}|{FATHER} ~4 relied|leaned|leant|depended|leans|relies ~1 on ~1 her|him|"
            "them ~4 support|comfort|confid*|emotional*|everything",
            STRONG,
        ),
        (f"confidant* ~3 {PARENT}", STRONG),
        (f"{PARENT} confidant*|therapist|carer|parent", STRONG),
        ("grow|grew up ~1 too? fast|quickly|early|soon", STRONG),
        ("hold*|held|keep*|kept ~2 everyone|family|everybody|things|it together", MEDIUM),
        (
            "age|aged|since|from|when ~4 five|six|seven|eight|nine|ten|eleven|twelve|thirteen|"
            "5|6|7|8|9|10|11|12",
            WEAK,
        ),
        ("put* them|her|him ~1 to bed", WEAK),
        ("adult responsibilit*|role", MEDIUM),
        (f"parent* ~1 {POSS} own? {PARENT}", STRONG),
    ],
    "enmeshment": [
        ("enmesh*", STRONG),
        (f"no boundaries ~2 {PARENT}|family", STRONG),
        (
            f"{PARENT} ~4 read*|reads|goes|went ~1 through? her|his|their diary|messages|texts|"
            "emails|post|phone|room",
            STRONG,
        ),
        (
            f"{PARENT} ~4 come*|comes|came|turn*|drop*|let* ~2 unannounced|uninvited|"
            "without_asking",
            STRONG,
        ),
        ("unannounced|uninvited", WEAK),
        ("separate|seperate|distinct|own ~1 person|self|identity|individual", MEDIUM),
        ("NEG ~3 decide|choose ~6 without ~2 check*|ask*|consult*|ring*|call*", MEDIUM),
        (
            "speak|talk*|call*|phone*|text*|ring* ~4 several|four|five|six|many|ten|three|"
            "multiple|twenty times a day",
            MEDIUM,
        ),
        (
            f"{PARENT} ~3 intrusive|controlling|overbearing|overprotective|over-protective|"
            "possessive|smother*|suffocat*|overinvolved|over-involved",
            STRONG,
        ),
        ("smother*|suffocat*", MEDIUM),
        (f"{PARENT} ~3 best friend", MEDIUM),
        ("where ~2 she|he|they|i ends|end and", STRONG),
        ("overinvolved|over-involved|intrusive", MEDIUM),
        ("cut* the cord", STRONG),
        ("apron strings", STRONG),
    ],
    "loyalty-conflict": [
        ("disloyal*", STRONG),
        (f"betray* ~2 {PARENT}|family", STRONG),
        ("idealis*|idealiz*", STRONG),
        ("pedestal", STRONG),
        ("loyal*", MEDIUM),
        ("did|does|tried ~1 her|his|their best", MEDIUM),
        (
            "she|he|they had a ~1 hard|difficult|tough|terrible|awful ~1 life|childhood|upbringing",
            MEDIUM,
        ),
        (f"defend* ~3 {PARENT}", MEDIUM),
        ("sound* bad", MEDIUM),
        (
            "guilt*|guilty|bad|awful|terrible ~4 criticis*|blam*|talk*|speak*|complain*|angry|"
            f"cross|furious|resent* ~4 {PARENT}",
            STRONG,
        ),
        (f"criticis*|blam*|complain* ~2 {PARENT}", WEAK),
        ("torn between", MEDIUM),
        (f"{PARENT} ~3 fallible|human|own_history|own_story|own_wounds", STRONG),
    ],
    "intergenerational-patterns": [
        ("intergeneration*|generational|generations", STRONG),
        ("becom*|became ~1 a ~1 mother|father|parent|mum|dad|mom", MEDIUM),
        ("birth of ~2 her|his|their ~1 son|daughter|baby|child|first", MEDIUM),
        ("new mum|mother|parent|dad|mom|baby", WEAK),
        ("repeat* ~4 done to", STRONG),
        (f"repeat* ~3 {PARENT} mistakes|pattern*|behaviour|behavior", STRONG),
        ("repeat* ~2 pattern*|cycle|history|mistakes", MEDIUM),
        (f"own ~1 {PARENT}|childhood|upbringing", STRONG),
        (f"hear* ~2 {PARENT} voice", STRONG),
        (f"turn* into ~2 {PARENT}", STRONG),
        (f"become*|becoming|sound*|sounding|act*|acting ~2 just? like ~1 {POSS} {PARENT}", STRONG),
        ("pass* ~2 on|down ~3 son|daughter|children|kids|baby|child|generation", STRONG),
        (
            "NEG want ~2 son|daughter|children|kids|baby|child|boy|girl|them ~1 to ~1 grow|"
            "have|go|feel|experience",
            STRONG,
        ),
        ("brought|bring*|stirr*|stir* ~2 back|up ~3 memor*|childhood|past|own", MEDIUM),
        ("cycle", WEAK),
    ],
    # --- self-concept -----------------------------------------------------------------------
    "worthlessness": [
        ("worthless*", STRONG),
        ("unlovable|unloveable", STRONG),
        ("never|not|NEG ~2 good enough", STRONG),
        ("not enough", MEDIUM),
        (
            "feel*|felt|believ*|think*|thought|see*|sees|saw|call*|calls ~3 a? failure|burden|"
            "useless|pathetic|unworthy|undeserving|nothing|nobody|waste",
            STRONG,
        ),
        ("unworthy|undeserving", MEDIUM),
        (
            "NEG deserve* ~2 love|loved|happiness|happy|kindness|help|care|good|better|anything",
            STRONG,
        ),
        (f"hate*|loathe*|despise* {SELF}", STRONG),
        ("self hatred|loathing|hate", STRONG),
        ("low self worth|esteem|regard", STRONG),
        ("self worth|esteem", MEDIUM),
        ("no_one|nobody ~3 could|would|will|ever|really|possibly ~2 love|want|like", STRONG),
        ("earn* ~2 her|his|their|a ~1 place|worth|right|love", MEDIUM),
        ("waste of space", STRONG),
        ("unwanted|unloved", MEDIUM),
    ],
    "shame": [
        ("ashamed|shame|shameful|shamed", STRONG),
        ("humiliat*|mortifi*", MEDIUM),
        ("embarrass*", WEAK),
        (
            "fundamentally|inherently|intrinsically|deeply|essentially|basically ~1 bad|flawed|"
            "defective|broken|rotten|wrong|disgusting|unlovable|dirty",
            STRONG,
        ),
        ("bad|disgusting|defective|flawed|rotten|horrible|dirty|vile ~1 person", STRONG),
        (f"disgust* ~3 {SELF}", STRONG),
        ("something ~1 wrong with ~1 her|him|them|me", MEDIUM),
        ("eyes ~1 down|lowered", WEAK),
        ("NEG ~2 look at me", WEAK),
        ("NEG ~2 meet my eyes", WEAK),
        ("hid*|hide|hiding ~2 face", MEDIUM),
        ("secret*", WEAK),
    ],
    "self-doubt": [
        ("self doubt*|doubting|doubts", STRONG),
        ("second guess*", STRONG),
        (
            "doubt* ~3 decision*|choice*|judgement|judgment|abilit*|competence|instinct*|"
            f"perception*|memory|{SELF}|own|every",
            STRONG,
        ),
        ("impost*|fraud", STRONG),
        (
            "NEG ~2 trust* ~2 own? judgement|judgment|instinct*|perception*|decision*|feeling*|"
            "gut|memory|mind|herself|himself",
            STRONG,
        ),
        ("low|lack*|little|no|lost|knock*|shaken|zero ~2 confidence", STRONG),
        ("out of ~1 her|his|their|my ~1 depth", STRONG),
        ("insecur*", MEDIUM),
        ("indecis*", MEDIUM),
        ("NEG ~2 make|take ~1 a? decision*", MEDIUM),
        (
            "ask*|check* with? ~3 friends|people|everyone|others|three|several|colleagues|"
            "partner|mum|mother ~3 before",
            MEDIUM,
        ),
        (f"compar* {SELF} ~3 with|to|against", MEDIUM),
        (
            "fail*|failure|useless|rubbish|hopeless ~2 as a ~1 mother|parent|father|mum|dad|"
            "mom|wife|husband|partner",
            MEDIUM,
        ),
        ("unsure of|about ~1 herself|himself|themselves", STRONG),
        ("found out", WEAK),
    ],
    "perfectionism": [
        ("perfectionis*", STRONG),
        ("has|have|had|need*|must|got|having ~1 to ~1 be ~1 perfect", STRONG),
        ("less than perfect|flawless", STRONG),
        ("perfect", WEAK),
        ("high|exacting|impossible|unrealistic|rigid|punishing|sky-high ~1 standards", STRONG),
        (
            "rewr*|redo*|redid|redraft*|rework*|recheck* ~4 times|again|over|night|hours|until",
            MEDIUM,
        ),
        (
            "one|any|a|single|tiny|small|slightest|minor ~2 mistake|error|flaw|typo ~5 failure|"
            "awful|unbearable|mortif*|redo*|redid|rewr*|hours|devastat*|catastroph*",
            MEDIUM,
        ),
        ("feel*|felt|seen|counts ~2 like|as ~1 a? failure", MEDIUM),
        ("all or nothing", MEDIUM),
        ("nothing ~2 ever ~1 good enough", MEDIUM),
        ("stayed up ~3 night ~2 redo*|redoing|perfect*|fix*|rewr*|check*", MEDIUM),
    ],
    # --- relational patterns ----------------------------------------------------------------
    "people-pleasing": [
        ("people pleas*", STRONG),
        (
            f"please*|pleasing|pleased {POSS} {PARTNER}|{PARENT}|boss|manager|everyone|"
            "everybody|others|people|family|friends|colleagues|them|him|her",
            STRONG,
        ),
        (
            "work*|try|tries|tried|trying|desperate*|strive*|striving|strove|anxious|keen|"
            "eager|need* ~2 hard? ~1 to please",
            STRONG,
        ),
        ("to please", MEDIUM),
        ("keep* ~3 happy", STRONG),
        ("avoid* ~2 upset*|disappoint*|displeas*|annoy*|anger*|angering|letting", MEDIUM),
        ("so ~1 nobody|no_one ~3 worr*|cross|upset|angry|annoy*|disappoint*|mind*", MEDIUM),
        ("say*|said|pretend* ~3 fine", MEDIUM),
        (
            "apologis*|apologiz* ~2 constantly|repeatedly|excessively|everything|much|always|again",
            MEDIUM,
        ),
        ("overapologis*|overapologiz*|over_apologis*|over_apologiz*", MEDIUM),
        ("put*|putting ~3 needs ~2 last|aside|second|below|bottom", STRONG),
        ("put*|putting ~2 everyone|others|everybody ~1 else? first", STRONG),
        (
            "rarely|seldom|hardly|never|NEG ~2 say*|voice*|express*|ask* ~2 what|for|her|"
            "his ~2 want*|need*|prefer*|own|help",
            MEDIUM,
        ),
        ("yes ~3 mean*|meant|want*|felt ~1 no", STRONG),
        ("NEG ~1 say no", MEDIUM),
        ("win|earn* ~3 approval|love|affection", MEDIUM),
        ("bend* over backwards", STRONG),
        ("fawn*", STRONG),
        ("go|goes|going|went along with ~2 everyone|whatever|what", WEAK),
        ("accommodat*", WEAK),
    ],
    "external-validation": [
        ("external validation", STRONG),
        ("validat*", MEDIUM),
        (
            "seek*|sought|crav*|need*|hungry|desperate|chas*|fish* ~2 reassurance|approval|"
            "praise|validation|recognition|compliments|likes|attention",
            STRONG,
        ),
        ("reassurance", MEDIUM),
        ("approval", MEDIUM),
        ("need* ~3 praise|approval|reassurance|validation|compliments ~3 to feel", STRONG),
        ("check* ~2 whether|if ~6 right thing", MEDIUM),
        ("check* ~2 whether|if ~6 okay|ok|alright|liked|annoyed|cross|upset|enough|good", MEDIUM),
        (
            "worth|value|esteem|mood ~3 depend*|hinge*|rest*|rely|relies|relied|"
            "relying ~2 on ~3 others|praise|approval|what|being|how|feedback|likes|compliments",
            STRONG,
        ),
        (
            "ask*|check* with? ~3 friends|people|everyone|others|three|several|"
            "colleagues ~3 before",
            MEDIUM,
        ),
        ("count* ~2 likes", MEDIUM),
        ("praise|compliments", WEAK),
        ("fishing for compliments", STRONG),
        ("what ~2 others|people|everyone ~1 think*|thought", MEDIUM),
    ],
    "boundary-difficulties": [
        ("boundar*", MEDIUM),
        (
            "set*|setting|hold*|holding|keep*|keeping|maintain*|enforc*|draw*|"
            "drawing ~2 boundar*|limits",
            STRONG,
        ),
        (
            "unable|struggl*|hard|difficult|impossible|afraid|scared|NEG ~3 say|saying|said ~1 no",
            STRONG,
        ),
        ("impossible|hard|difficult|struggl*|unable|NEG|afraid|scared ~4 turn* ~2 down", STRONG),
        ("impossible|hard|difficult|struggl*|unable|afraid|scared ~4 refus*|declin*", STRONG),
        ("yes ~3 mean*|meant|want*|felt ~1 no", STRONG),
        ("take* on ~1 too_much|everything|extra|more", MEDIUM),
        ("overcommit*|over-commit*", MEDIUM),
        ("walk* all? over", STRONG),
        ("doormat", STRONG),
        (f"spread* {SELF} too thin", MEDIUM),
        ("doing ~2 other|everyone|everybody ~1 people's|else's? ~1 work|jobs|share", MEDIUM),
        ("unannounced|uninvited", WEAK),
        (
            "read*|reads|goes|went ~1 through? her|his|their diary|messages|texts|emails|phone",
            MEDIUM,
        ),
        (f"time for {SELF}", WEAK),
        ("NEG ~1 switch off", WEAK),
    ],
    "difficulty-trusting": [
        ("mistrust*|distrust*", STRONG),
        ("trust issues", STRONG),
        (
            "hard|difficult|struggl*|difficulty|unable|impossible|afraid|NEG|slow ~3 trust*|"
            "trusting ~2 anyone|anybody|people|others|men|women|nobody|partner*|husband|wife|"
            "boyfriend|girlfriend|friends|colleagues|therapist*|therapy|me|new|again",
            STRONG,
        ),
        ("trust", WEAK),
        ("suspicious|wary|guarded|paranoid", WEAK),
        ("check* ~3 phone|messages|texts|location|emails", MEDIUM),
        ("let* ~2 down ~3 always|again|end|everyone", MEDIUM),
        ("always|everyone|people ~3 let* ~2 down", STRONG),
        ("expect* ~3 let_down|hurt|betrayed|lied", STRONG),
        ("betray*", MEDIUM),
        ("waiting ~3 other shoe", STRONG),
        ("insecur* ~3 relationship*|partner|attachment", MEDIUM),
        ("hidden agenda", STRONG),
        ("ulterior motive*", STRONG),
    ],
    "fear-of-intimacy": [
        (
            "fear*|afraid|scared|avoid*|terrified|struggl*|frightened|dread* ~3 intimacy|"
            "closeness|vulnerab*|commitment",
            STRONG,
        ),
        ("intimacy|closeness", MEDIUM),
        ("vulnerab*", MEDIUM),
        ("arm length", STRONG),
        (
            "NEG ~2 let*|letting ~2 anyone|anybody|people|someone|them|him|her|"
            "partners ~1 close|in|near|see",
            STRONG,
        ),
        (
            "fear*|afraid|scared|terrified|frightened ~3 letting|let ~3 see ~3 cry|upset|"
            "vulnerable|weak|real|struggling|scared|needy",
            STRONG,
        ),
        ("when ~3 get*|got ~1 close|serious|intimate", STRONG),
        ("find*|found ~2 reason ~2 end|leave|pull_away", MEDIUM),
        ("sabotag*", MEDIUM),
        ("push* ~3 away", MEDIUM),
        ("wall|walls ~1 up", WEAK),
        ("emotionally unavailable", MEDIUM),
        ("really|truly ~1 know*|knew|saw|see|sees|seen ~1 her|him|them|me", MEDIUM),
        ("commitment phob*", STRONG),
        ("keep*|kept ~3 distance", MEDIUM),
    ],
    "fear-of-rejection": [
        (
            "fear*|afraid|terrified|scared|frightened|dread*|expect*|anticipat* ~3 reject*|"
            "turned_down|turned_away",
            STRONG,
        ),
        ("rejection sensitiv*", STRONG),
        ("sensitive to rejection", STRONG),
        ("reject*", WEAK),
        ("fed up ~2 with ~1 her|him|me|them", MEDIUM),
        ("drift* away|off", MEDIUM),
        ("lose ~1 interest", MEDIUM),
        ("bored of|with ~1 her|him|me|them", MEDIUM),
        ("too much for ~1 people|others|anyone|everyone|them|him|her", MEDIUM),
        (
            "know*|knew ~2 her|him|me|them ~4 would|will|wouldn't ~2 leave|reject*|go|run|"
            "disappoint*|want|like|stay|see",
            STRONG,
        ),
        ("avoid* ~4 in_case|for_fear", MEDIUM),
        ("in case ~3 say_no|reject*|turned_down|laugh*|ignor*", MEDIUM),
        ("reject* ~1 again", MEDIUM),
        ("left_out|excluded|frozen_out", WEAK),
    ],
    "hyper-adaptation": [
        ("chameleon*", STRONG),
        ("becom*|turn* ~1 into? whoever|whatever|what ~4 want*|need*|expect*|like*", STRONG),
        ("shape* shift*", STRONG),
        ("shapeshift*", STRONG),
        ("fit* in", MEDIUM),
        ("mirror*", WEAK),
        ("agree* with ~1 everyone|whoever|everybody|whatever|anyone", MEDIUM),
        (
            "NEG ~1 know*|knowing|sure ~2 what|her|his|their|own ~3 think*|thought|want*|"
            "opinion*|preference*|like*|view*|feel*|believe*|self",
            STRONG,
        ),
        (
            "lose*|lost|losing ~1 track of ~2 own|her|his|their ~1 preferences|opinions|needs|"
            "wants|self|views|identity",
            STRONG,
        ),
        ("lose*|lost|losing ~1 herself|himself|themselves ~3 with|around|in|company", MEDIUM),
        (
            "chang*|adapt*|switch*|shift*|adjust* ~2 accent|opinion*|personality|personalities|"
            "view*|identity|voice|self|behaviour|behavior ~5 match|fit|suit|whoever|depending|"
            "company|audience",
            STRONG,
        ),
        ("different person ~2 with|around|depending", STRONG),
        ("mask|masking|masks", MEDIUM),
        ("read* the room", WEAK),
    ],
    # --- coping -----------------------------------------------------------------------------
    "substance-use": [
        (
            "drink|drinking|drank|drunk|use|using|smoke|smoking|take|taking|took ~7 to ~2 cope|"
            "numb|switch|forget|relax|unwind|escape|blot|block|edge|deaden|dull|drown|sleep|"
            "calm|stop|get",
            STRONG,
        ),
        (
            "cans|bottle|bottles|pints|units|glasses|lines|joints|spliffs ~4 a|every|most|each|"
            "per ~1 night|day|evening|evenings|nights|week|weekday",
            STRONG,
        ),
        (
            "drinking|drugs|cannabis|cocaine|alcohol|weed ~3 heavily|more|much|daily|problem|"
            "misuse|abuse|dependence|dependent|escalat*|increas*|worse",
            STRONG,
        ),
        (
            "heavy|problem|binge|harmful|excessive|hazardous|daily|secret|solitary ~1 drinking|"
            "drinker|drug|use",
            STRONG,
        ),
        (
            "alcohol|drug|drugs|substance|cannabis|cocaine ~1 misuse|abuse|use|dependence|"
            "dependency|problem*|issue*|addiction|habit",
            STRONG,
        ),
        ("alcoholi*|addict*", STRONG),
        (
            "smok*|use|uses|used|using|took|take*|taking|snort* ~2 cannabis|weed|joint*|"
            "spliff*|cocaine|coke|ketamine|mdma|heroin|crack|pills|painkillers|benzos|valium|"
            "diazepam|codeine|drugs|speed|ecstasy",
            STRONG,
        ),
        (
            "cannabis|weed|cocaine|ketamine|mdma|heroin|crack|opiates|opioids|benzos|"
            "amphetamine*|ecstasy|pot",
            MEDIUM,
        ),
        (
            "drink|drinking|drinks|drank|drunk|booze|wine|beer|beers|lager|vodka|gin|whisky|"
            "whiskey|spirits|cider|alcohol|pub",
            WEAK,
        ),
        ("hungover|hangover*|blackout*|blacked_out", MEDIUM),
        ("cut* ~1 down|back ~3 drink*|alcohol|smoking|cannabis|use|weed", STRONG),
        ("want*|try|tries|tried|trying|plan* ~2 to cut ~1 down|back", MEDIUM),
        ("urge* ~2 to ~1 drink|use|smoke", STRONG),
        ("crav*", MEDIUM),
        ("relaps*", MEDIUM),
        ("EtOH|etoh|AOD", MEDIUM),
    ],
    "avoidance": [
        ("avoid*", STRONG),
        ("chang* ~1 the subject", STRONG),
        ("steer* ~1 away|clear", STRONG),
        ("rather ~1 NEG ~2 talk|think|discuss|go|look|deal", STRONG),
        ("put* off", MEDIUM),
        ("procrastinat*", MEDIUM),
        (
            "stop* ~1 replying|answering|responding|opening|going|seeing|leaving|driving|"
            "attending|returning",
            STRONG,
        ),
        ("ignor* ~2 messages|calls|texts|emails|post|letters|phone", MEDIUM),
        (
            "NEG ~1 opening|answering|reading|replying ~2 messages|calls|texts|emails|post|"
            "letters|phone",
            MEDIUM,
        ),
        ("NEG ~1 face ~2 going|it|them|seeing|work|talking|people|the", MEDIUM),
        ("escap*|withdr*|hide|hiding|hid", WEAK),
        ("cancel* ~3 plans|sessions|session|appointment*|meeting*", MEDIUM),
        ("stay*|keep*|kept away", MEDIUM),
        ("leaving ~4 early ~2 to avoid", MEDIUM),
    ],
    "emotional-numbing": [
        (
            "feel*|felt|emotionally|completely|totally|so|very|quite|just|went|goes|gone|"
            "going ~1 =numb",
            STRONG,
        ),
        ("=numb ~1 at|since|after|for|about|inside|through|during", STRONG),
        ("numbness|numbed", STRONG),
        ("=numb", MEDIUM),
        ("NEG ~2 feel|feeling ~1 anything|much|a_thing|emotions", STRONG),
        ("feel*|felt ~1 nothing", STRONG),
        ("detach*|disconnect*|dissociat*", MEDIUM),
        (
            "cut off from ~3 feelings|emotions|body|herself|himself|themselves|self|others|"
            "everything|world",
            STRONG,
        ),
        ("going|go|goes|went ~1 through the motions", STRONG),
        ("autopilot|auto_pilot", MEDIUM),
        ("dead inside", STRONG),
        ("flat", WEAK),
        ("through|behind ~1 glass|fog|screen|veil", MEDIUM),
        ("in a bubble|fog|haze", MEDIUM),
        ("shut* down ~2 emotionally|inside|feelings", MEDIUM),
    ],
    # --- affect -------------------------------------------------------------------------------
    "low-mood": [
        ("low ~1 mood", STRONG),
        ("mood ~3 low|down|flat|lower|poor|dipped|worse", STRONG),
        (
            "feel*|felt|feeling ~1 so|very|really|quite|pretty|bit|a? ~1 low|blue|miserable|"
            "hopeless|sad|empty|despair*|worthless|rubbish|dreadful",
            STRONG,
        ),
        ("feel*|felt|feeling down", STRONG),
        ("depress*", STRONG),
        ("hopeless*", STRONG),
        ("tearful", MEDIUM),
        ("cry|cries|crying|cried|tears", WEAK),
        ("sad|sadness|unhappy|miserable|despair|despondent", STRONG),
        ("gloomy|glum|flat", WEAK),
        (
            "no|little|lost|loss|lack|lacking|without ~1 of? ~1 pleasure|interest|motivation|"
            "energy|enjoyment|joy",
            STRONG,
        ),
        ("anhedoni*|lethargic|listless|apathetic|apathy", MEDIUM),
        ("NEG see ~3 improv*|getting_better|way_out|future|point|end", MEDIUM),
        ("no point", WEAK),
        ("what the point", WEAK),
        ("pointless", WEAK),
        ("stay*|stayed|staying|spend*|spent|lying|lie ~4 in bed", MEDIUM),
        ("empty|emptiness", MEDIUM),
        ("dark place", STRONG),
        ("black cloud|dog", STRONG),
        ("withdrawn|isolating|isolated", WEAK),
        ("lost|loss|poor|no|reduced|little ~2 appetite", MEDIUM),
        ("PHQ", WEAK),
        ("waves ~2 sadness|grief|despair", MEDIUM),
    ],
    "anxiety": [
        ("anxi*", STRONG),
        ("panic*", STRONG),
        ("worr*", MEDIUM),
        ("nervous|nerves|jittery|restless|uneasy|keyed", WEAK),
        ("tense|tension", WEAK),
        ("on edge", MEDIUM),
        ("dread*", MEDIUM),
        ("racing|pounding ~1 heart|thoughts|mind", STRONG),
        ("heart|mind|thoughts ~1 racing|pounding", STRONG),
        ("palpitations|hyperventilat*", STRONG),
        ("shortness of breath", STRONG),
        ("tight*|pressure ~3 chest", STRONG),
        ("NEG ~1 breathe", MEDIUM),
        ("catastrophi*", MEDIUM),
        ("fear*|scared|afraid|frightened|terrified", WEAK),
        ("GAD", MEDIUM),
        ("phobi*", STRONG),
        ("ruminat*|overthink*|replaying", WEAK),
        ("what if", WEAK),
        ("sense of dread|doom", STRONG),
        ("NEG stop worrying", STRONG),
    ],
    "anger": [
        ("anger|angry|angrily|furious|fury|rage|raged|raging|seething|livid|enraged|irate", STRONG),
        ("irritab*|irritable", STRONG),
        ("irritat*|annoyed|frustrat*|cross|resent*|bitter*", WEAK),
        ("snap*|snapped|shout*|yell*|scream*|swore|swear*|slamm*|slam*", MEDIUM),
        ("lose*|lost|losing ~1 her|his|their|my ~1 temper|cool|rag", STRONG),
        ("temper|outburst*", MEDIUM),
        ("blow*|blew ~1 up", MEDIUM),
        ("flew off the handle", MEDIUM),
        ("punch*|kick*|hit* ~2 wall|walls|door|doors|table", STRONG),
        ("struggl* ~3 calm down", MEDIUM),
        ("short fuse", STRONG),
        ("hot headed", STRONG),
        ("hothead*", STRONG),
    ],
    "grief-and-loss": [
        ("grie*", STRONG),
        ("bereave*|bereft", STRONG),
        ("mourn*", STRONG),
        ("miscarr*|stillb*", STRONG),
        ("still birth", STRONG),
        ("baby loss", STRONG),
        (f"{KIN}|{PARTNER}|{CHILD}|friend|pet|dog|cat ~4 died|death|passed|killed|funeral", STRONG),
        ("death|died|funeral|dying|terminal*", MEDIUM),
        ("passed away", MEDIUM),
        ("anniversary ~2 of ~3 death|loss|stillbirth|miscarriage|passing|suicide", STRONG),
        (
            f"lost|losing|loss ~2 her|his|their|my|a ~2 {KIN}|{PARTNER}|{CHILD}|friend|"
            "pregnancy|pet",
            STRONG,
        ),
        ("end|ending ~1 of ~2 relationship|marriage|engagement|friendship", STRONG),
        ("break|split up", MEDIUM),
        ("breakup|separation|divorce", MEDIUM),
        ("loss|losses", WEAK),
        ("miss* ~2 her|him|them ~2 terribly|so_much|every_day", MEDIUM),
    ],
    "guilt": [
        ("guilt|guilty", STRONG),
        (f"blam* {SELF}", STRONG),
        ("self blame", STRONG),
        ("my|her|his|their|own ~1 fault", STRONG),
        ("fault", WEAK),
        ("remorse*|regret*", MEDIUM),
        ("feel*|felt|feeling ~1 terrible|awful|dreadful|bad ~1 about|for|afterwards|after", STRONG),
        (
            "terrible|bad|awful|useless|rubbish|selfish ~1 mother|mum|father|dad|parent|"
            "daughter|son|friend|wife|husband|partner|mom",
            MEDIUM,
        ),
        ("selfish", WEAK),
        ("should have ~3 done|known|stopped|been|noticed", WEAK),
        ("let ~2 down ~3 everyone|family|them", WEAK),
    ],
    # --- life areas ---------------------------------------------------------------------------
    "parenting": [
        ("parenting|parenthood|coparent*|co_parent*", STRONG),
        ("as a ~1 mother|parent|father|mum|dad|mom", STRONG),
        (
            "bad|terrible|good|better|useless|awful|rubbish|failing|perfect ~1 mother|mum|"
            "parent|father|dad|mom",
            STRONG,
        ),
        (
            f"shout*|snap*|yell*|scream*|rag*|raged|lost|smack*|cross|angry|short|harsh ~4 {CHILD}",
            STRONG,
        ),
        (
            f"worr*|concern*|anxious|frightened|scared ~3 about? ~1 her|his|their|my ~1 {CHILD}",
            STRONG,
        ),
        (
            "tantrum*|bedtime|nursery|breastfeed*|nappies|nappy|diapers|potty|screen_time|"
            "school_run|homework",
            MEDIUM,
        ),
        (f"her|his|their|my|the|client {CHILD}", WEAK),
        ("birth of ~2 her|his|their|client ~1 son|daughter|baby|child|first|twins", STRONG),
        ("keep* ~2 him|her|them ~1 safe", MEDIUM),
        (f"resent* ~2 {CHILD}", MEDIUM),
        ("pregnan*|postnatal|postpartum|maternity|paternity", WEAK),
        ("bullied|teacher*", WEAK),
    ],
    "couple-conflict": [
        (
            "argu*|row|rows|rowed|rowing|fight*|fought|bicker*|conflict*|tension|clash*|"
            f"falling_out|fell_out|shout* ~4 {PARTNER}",
            STRONG,
        ),
        (
            f"{PARTNER} ~4 argu*|row|rows|rowed|rowing|fight*|fought|bicker*|conflict*|tension|"
            "clash*|fell_out|falling_out|shout*|distant|critical|cold|withdrawn",
            STRONG,
        ),
        (
            "marriage|marital|relationship|couple ~3 problems|difficulties|strain*|trouble*|"
            "struggl*|rocky|rocks|conflict|breaking|tension|crisis",
            STRONG,
        ),
        (f"leav*|left ~1 {POSS} marriage|relationship|{PARTNER}", MEDIUM),
        ("couple* therapy|counselling|counseling", MEDIUM),
        ("argument*|argu*|rows|row", WEAK),
        (f"{PARTNER}", WEAK),
        ("separation|divorce|split*", WEAK),
    ],
    "family-conflict": [
        (
            "argu*|row|rows|rowing|fight*|fought|bicker*|conflict*|tension|clash*|falling_out|"
            f"fell_out|feud*|shout* ~4 {KIN}",
            STRONG,
        ),
        (
            f"{KIN} ~4 argu*|row|rows|rowed|rowing|fight*|fought|bicker*|conflict*|tension*|"
            "clash*|fell_out|falling_out|feud*|battle*|estrang*",
            STRONG,
        ),
        ("estrang*", STRONG),
        (
            "family ~2 conflict|tension|rift|drama|feud|dispute*|battleground|row*|argument*|"
            "fallout|politics",
            STRONG,
        ),
        (f"no contact with ~2 {KIN}", STRONG),
        ("battleground|battle", WEAK),
        ("mediat*|peacekeep*|go_between", MEDIUM),
        ("piggy in the middle", MEDIUM),
        (f"{KIN} ~3 taunt*|bull*|belittl*|mock*|undermin*|criticis*", MEDIUM),
        ("in law|laws", WEAK),
        ("argu*|arguments|rows", WEAK),
    ],
    "work-stress": [
        ("workload|workloads", STRONG),
        ("burn* out", STRONG),
        ("burnout", STRONG),
        (
            f"{WORK} ~3 stress*|pressure*|overwhelm*|demands|struggl*|worr*|anxi*|dread*|"
            "tension|conflict|bully*|bullied",
            STRONG,
        ),
        (f"{STRESSED}|anxi*|worr*|bullied|dread* ~4 {WORK}", STRONG),
        ("deadline*", MEDIUM),
        ("redundan*|sacked|fired|restructur*|disciplinary|probation", STRONG),
        ("laid off", STRONG),
        ("performance review*", STRONG),
        ("los*|lost ~2 her|his|their|my|a ~1 job", STRONG),
        ("off sick", STRONG),
        ("signed off", STRONG),
        ("sick leave|note", STRONG),
        ("boss|manager|colleague*|supervisor", WEAK),
        ("emails|working ~2 until|late|midnight|weekends", MEDIUM),
        ("long hours", MEDIUM),
        ("overtime", MEDIUM),
        ("exam*|revision|dissertation|coursework", MEDIUM),
        ("promotion|appraisal", WEAK),
        ("out of ~1 her|his|their ~1 depth", WEAK),
        ("cover* for ~3 colleague*|staff|team", MEDIUM),
        ("other people's work", MEDIUM),
    ],
    "sleep": [
        ("insomni*", STRONG),
        (
            "sleep|sleeping|slept|sleeps ~2 badly|poorly|little|only|hours|better|worse|well|"
            "through|more|less|lot|all",
            STRONG,
        ),
        (
            "poor|bad|broken|disturbed|disrupted|interrupted|little|no|restless|"
            "fitful ~1 sleep|night|nights",
            STRONG,
        ),
        ("NEG ~2 sleep|sleeping|slept", STRONG),
        ("trouble|difficulty|problems|struggl*|hard|unable ~3 sleep|sleeping|asleep", STRONG),
        (
            "wak*|woke|waking ~3 1am|2am|3am|4am|5am|early|night|nights|repeatedly|exhausted|"
            "tired|unrefreshed",
            STRONG,
        ),
        ("wak*|woke ~2 at ~1 1|2|3|4|5|6|one|two|three|four|five", STRONG),
        ("wak*|woke ~1 every ~2 hours|hour", STRONG),
        ("nightmare*", STRONG),
        ("night terrors", STRONG),
        ("lying|lies|lay|lie ~1 awake", STRONG),
        ("get*|got|getting ~2 to sleep", STRONG),
        ("fall*|falling ~1 asleep", MEDIUM),
        ("sleep hygiene|routine|pattern|patterns|schedule|deprivation|deprived", STRONG),
        ("exhausted|tired|fatigue*|shattered", WEAK),
        ("sleep*", WEAK),
    ],
    "eating": [
        ("eating disorder|disorders", STRONG),
        ("anorexi*|bulimi*|ARFID", STRONG),
        ("=binged|=bingeing|=binging|=binges", STRONG),
        ("binge ~1 eat*|on|episode*", STRONG),
        ("purg*|laxative*", STRONG),
        (f"make*|made|making ~1 {SELF} ~1 sick", STRONG),
        ("restrict* ~2 food|eating|intake|calories|diet|meals", STRONG),
        ("restrict*", MEDIUM),
        ("skip*|skipped|missing|miss* ~2 meals|meal|lunch|breakfast|dinner|tea|supper", STRONG),
        (
            "weigh*|weighing ~1 herself|himself|themselves ~4 day|daily|times|twice|every|"
            "constantly",
            STRONG,
        ),
        ("calori*", MEDIUM),
        ("body image", STRONG),
        ("overeat*", STRONG),
        ("comfort eat*", STRONG),
        ("emotional eating", STRONG),
        ("food|eating|weight|diet*|appetite", WEAK),
    ],
    "trauma": [
        ("trauma*|PTSD|CPTSD|ptsd", STRONG),
        ("flashback*", STRONG),
        ("hypervigil*|hyper-vigil*", STRONG),
        ("intrusive ~1 memor*|images|thoughts|recollections", STRONG),
        ("startl*|jumpy", MEDIUM),
        ("jump* ~1 at ~2 noises|sounds|loud|bangs|doors", MEDIUM),
        ("sexual|physical|emotional|childhood|domestic ~1 abuse|abused|assault*|violence", STRONG),
        ("abused|abuse|abuser", MEDIUM),
        ("assault*|raped|rape|molest*|attacked|mugged|mugging", STRONG),
        ("accident|crash|collision", WEAK),
        ("triggered|trigger*", WEAK),
        ("dissociat*", MEDIUM),
        ("nightmare*", WEAK),
        ("reexperienc*|reliv*|re_experienc*", MEDIUM),
        ("walking on eggshells", WEAK),
    ],
    "domestic-violence": [
        ("domestic ~1 violence|abuse", STRONG),
        ("DV|IPV|MARAC|IDVA|DASH", STRONG),
        ("coercive|coercion", STRONG),
        (
            f"{PARTNER} ~5 hit*|push*|pushed|shov*|slap*|punch*|kick*|strangl*|chok*|grab*|"
            "threaten*|threatens|control*|track*|monitor*|isolat*|forbid*|forbade|belittl*|"
            "hurt*|beat*|rape*|spy*|follow*",
            STRONG,
        ),
        (f"{PARTNER} ~3 stop* ~1 her|him ~1 seeing|going|working|leaving|contacting", STRONG),
        ("control* ~2 money|finances|finance|spending|bank|phone|movements", STRONG),
        ("track*|monitor* ~2 her|his|their ~1 phone|location|movements", STRONG),
        ("check* ~2 her|his|their ~1 location|phone|whereabouts", MEDIUM),
        ("tak*|took ~2 bank_card|bank_cards|cards|money|wages|keys", MEDIUM),
        ("walking on eggshells", MEDIUM),
        ("refuge", STRONG),
        ("women aid", STRONG),
        ("safe house", STRONG),
        (
            f"afraid|scared|frightened|terrified ~2 of ~2 {PARTNER}|him ~3 temper|anger|"
            "reaction|drinking",
            MEDIUM,
        ),
        ("isolat* her|him ~2 from", STRONG),
        ("safety ~1 plan|planning", WEAK),
    ],
    # --- therapy process ----------------------------------------------------------------------
    "re-enactment": [
        ("transference|countertransference|counter_transference", STRONG),
        ("reenact*|enactment|re_enact*", STRONG),
        (
            "i|me ~3 annoyed|angry|bored|fed_up|irritated|disappointed|cross|critical|judging|"
            "disapprov*|tired_of|sick_of|rejecting|dismissive|cold|distant|leave|abandon*",
            MEDIUM,
        ),
        (f"with|towards|toward|of|at|onto ~1 me ~5 like|as|way ~3 {PARENT}", STRONG),
        (f"me ~3 like ~2 {PARENT}", STRONG),
        ("my ~1 face|expression|tone|reaction|voice|silence|holiday|break|lateness", MEDIUM),
        ("test*|testing ~2 me|whether_i|the_relationship|the_therapy", MEDIUM),
        (
            "expect* ~1 me ~2 to ~1 reject*|leave|abandon*|criticis*|judge|dismiss*|give_up|"
            "tire|punish",
            STRONG,
        ),
        ("i ~1 want* ~1 her|him|them ~1 to ~1 go|leave", STRONG),
        ("in_the_room|between_us|our_relationship|in_here|with_me", WEAK),
        ("old|familiar pattern|wound", MEDIUM),
    ],
    "rupture-and-repair": [
        ("ruptur*", STRONG),
        ("repair*", MEDIUM),
        ("alliance", MEDIUM),
        (
            "left|walked_out|stormed_out ~2 angry|upset|early|hurt|annoyed|furious ~4 after|"
            "when ~1 i",
            STRONG,
        ),
        (
            "hurt|upset|annoyed|angry|offended|irritated|stung ~1 by ~1 my ~1 comment|remark|"
            "question|interpretation|suggestion|lateness|holiday|break|absence|tone|response|"
            "words|challenge",
            STRONG,
        ),
        (
            "angry|cross|upset|annoyed|furious|disappointed|irritated|frustrated ~1 with|at ~1 me",
            STRONG,
        ),
        ("talk*|work*|talked ~1 it|this|that ~1 through", MEDIUM),
        ("acknowledg* ~2 strain|rupture|hurt|misunderstanding|my_part|mistake", STRONG),
        (
            "strain|tension|misunderstanding ~3 between_us|relationship|alliance|therapy|room",
            STRONG,
        ),
        (
            "missed|cancelled ~2 session ~3 without ~1 notice|telling|cancelling|word|explanation",
            MEDIUM,
        ),
        ("i ~1 apologis*|apologiz*", STRONG),
        ("misattun*", STRONG),
        ("get*|got ~1 defensive", WEAK),
    ],
    "ambivalence": [
        ("ambivalen*", STRONG),
        ("part of ~1 him|her|me|them ~8 part of", STRONG),
        ("part of ~1 him|her|me|them ~2 want*|feel*|think*|knows", MEDIUM),
        ("mixed feelings", STRONG),
        ("two minds", STRONG),
        ("on the fence", STRONG),
        ("torn", MEDIUM),
        (
            "unsure|sure|undecided|wonder*|questioning|doubts ~4 keep_coming|continue|carry_on|"
            "stop|change|come_back|worth_it|therapy",
            MEDIUM,
        ),
        ("whether ~3 should ~1 stop|leave|continue|end|quit|carry|keep|give", STRONG),
        ("want*|wanting ~4 but ~4 afraid|scared|frightened|ready|can't|worried|part|also", MEDIUM),
        ("therapy|sessions|this|coming ~3 pointless|waste_of_time|helping|helps|point", MEDIUM),
        ("only ~1 comes|came|attends|attending|here ~2 because", STRONG),
        ("stay or go|leave", STRONG),
        ("leave or stay", STRONG),
        ("yes ~1 but", MEDIUM),
        ("pros and cons", MEDIUM),
        ("change|sustain talk", STRONG),
        ("readiness|motivation to change", STRONG),
        ("resist*", WEAK),
    ],
}

# Risk language: every match is flagged (negated or historical ones marked so). Current,
# un-negated self-harm and suicidal language also suggests the theme of the same name.
RISK_LABELS = {
    "self_harm": "Self-harm",
    "suicidal_thoughts": "Suicidal thoughts",
    "harm_to_others": "Harm to others",
}
RISK_THEMES = {"self_harm": "self-harm", "suicidal_thoughts": "suicidal-thoughts"}
BODY = (
    "arm|arms|forearm|forearms|wrist|wrists|leg|legs|thigh|thighs|skin|stomach|hand|hands|"
    "head|face|chest|hips|hip|ankle|ankles"
)
RISK_CUES: dict[str, list[str]] = {
    "self_harm": [
        "self harm*|injur*|mutilat*|injuri*|harming|cutting",
        "self harm* ideation|thoughts|urges|behaviour|behavior|risk",
        "selfharm*|DSH|NSSI|SH",
        f"cut|cutting|cuts|slash*|scratch*|burn*|burnt|carv* ~2 {SELF}|{BODY}",
        f"hit*|punch*|bang*|bit|bite|biting|pinch*|hurt*|harm*|starv*|burn*|cut* {SELF}",
        f"hit*|punch*|bang*|bit|bite|biting|pinch* {SELF} ~3 {BODY}|wall",
        "overdos*|OD",
        "urge* ~2 to ~1 cut|burn|hurt|harm|scratch",
        "head banging|headbanging|head-banging",
        "took ~3 tablets|pills|paracetamol ~2 too_many|all|handful|box|packet|whole|lot",
    ],
    "suicidal_thoughts": [
        "suicid*",
        "suicid* ideation|thoughts|thinking|feelings|intent|plans|plan|urges|attempt*|risk|"
        "gesture*",
        "SI",
        f"kill*|end* {SELF}",
        "end*|take* ~1 her|his|their|my ~1 own? ~1 life",
        "end* it ~1 all",
        "wish*|want*|hope|hopes|hoped|hoping|prefer* ~4 dead|die|dying",
        "NEG ~1 wake ~1 up",
        "wish*|want*|rather|better ~4 NEG ~2 here|exist|exists|existing|alive|around|born",
        "death wish*",
        "wish* ~2 were|was ~1 dead",
        "better off ~1 without ~1 me|her|him|them",
        "better off ~1 dead",
        "no|nothing ~1 reason ~1 to live",
        "nothing ~1 to live for",
        "NEG ~1 worth living",
        "research* ~3 methods|ways_to_die|overdose|ligature",
        "ligature*|noose",
        f"hang* {SELF}",
        "jump* ~3 off|from|front ~3 bridge|building|train|cliff|roof|car",
        "plan* ~2 to ~1 die|end_it",
        "passive ~1 death|SI",
    ],
    "harm_to_others": [
        "homicid*",
        "HI",
        "harm* ~1 to? ~1 others|other_people|someone|anyone",
        "thought|thoughts|thinking|think*|urge|urges|fantas*|want*|wanting|plan*|threat*|"
        "threaten*|imagin*|intent ~4 hurt*|harm*|kill*|stab*|attack*|hit*|beat*|strangl*|"
        f"shoot*|punch*|kick*|poison* ~2 {OTHERS}",
        "violent ~1 thoughts|urges|fantas*|impulses",
        "threat* ~2 to kill",
        "duty to warn",
        "risk to others",
    ],
}

# Themes about the client's own present state: a mention under a history marker or about
# someone else ("her brother drinks") does not count for them. Other themes are about the past
# or about relationships by nature, and count either way.
CLIENT_STATE_THEMES = frozenset(
    {
        "substance-use",
        "self-harm",
        "suicidal-thoughts",
        "low-mood",
        "anxiety",
        "anger",
        "eating",
        "sleep",
        "emotional-numbing",
        "avoidance",
    }
)

# --- negation, history, people -----------------------------------------------------------------
NEGATION_WORDS = frozenset(
    {
        "no",
        "not",
        "never",
        "nor",
        "neither",
        "without",
        "deny",
        "denies",
        "denied",
        "denying",
        "cannot",
        "none",
        "nil",
        "non",
    }
)
# Two-word negations; the first word is marked as the negation.
NEGATION_PAIRS = frozenset(
    {
        ("free", "of"),
        ("free", "from"),
        ("negative", "for"),
        ("ruled", "out"),
        ("rules", "out"),
        ("absence", "of"),
    }
)
# Looks like a negation, negates nothing after it.
PSEUDO_NEGATIONS = frozenset(
    {
        ("no", "one"),
        ("no", "matter"),
        ("no", "doubt"),
        ("not", "only"),
        ("not", "just"),
        ("not", "sure"),
        ("not", "necessarily"),
        ("say", "no"),
        ("says", "no"),
        ("said", "no"),
        ("saying", "no"),
        ("yes", "no"),
        ("never", "mind"),
        ("nothing", "but"),
    }
)
# Words that end a negation or history scope, as a clause boundary does.
SCOPE_BREAKERS = frozenset(
    {
        "reports",
        "reported",
        "reporting",
        "says",
        "said",
        "states",
        "stated",
        "describes",
        "described",
        "endorses",
        "endorsed",
        "admits",
        "admitted",
        "acknowledges",
        "presents",
        "presented",
        "presenting",
        "disclosed",
        "discloses",
        "which",
        "because",
        "then",
        "instead",
        "today",
        "currently",
        "now",
    }
)
# Words that start a new clause: gaps and scopes do not cross them.
CLAUSE_WORDS = frozenset(
    {"but", "however", "although", "though", "whereas", "yet", "except", "whilst", "while"}
)
POST_NEGATION_WORDS = frozenset(
    {"denied", "denies", "none", "nil", "negative", "absent", "deny", "n/a"}
)
# Between a mention and a negation after it: "suicidal thoughts: denied", "SI or HI - none".
POST_NEGATION_SKIP = _words(
    """is are was were has have had been be currently any thoughts ideation intent plan plans
    urges behaviour behavior use risk feelings or and / ( )"""
)
# After a comma, these start a new clause and end a negation scope.
CLAUSE_OPENERS = frozenset(
    {"so", "because", "which", "who", "then", "as", "when", "since", "although", "until"}
)
NOT_PREDICATES = frozenset(
    {
        "reported",
        "present",
        "endorsed",
        "disclosed",
        "indicated",
        "evident",
        "elicited",
        "noted",
        "expressed",
        "an",
        "a",
        "identified",
        "raised",
    }
)
HISTORY_WORDS = frozenset(
    {
        "previously",
        "previous",
        "past",
        "prior",
        "formerly",
        "former",
        "historically",
        "historical",
        "stopped",
        "quit",
        "ceased",
        "sober",
        "abstinent",
        "remission",
        "recovered",
    }
)
# Patterns that mark a mention as past when they follow it within a few tokens.
HISTORY_AFTER = [
    "ago",
    "in her|his|their|my|the|early|late ~1 teens|twenties|thirties|forties|youth|adolescence|"
    "childhood|past|20s|30s",
    "as a|an ~1 child|kid|teen|teenager|student|adolescent|young|youngster|undergraduate",
    "at university|uni|college|school",
    "when ~1 she|he|they|i|younger ~1 was|were ~2 younger|young|child|teen*|student|university|"
    "school|little|small",
    "back then",
    "years earlier",
    "stopped|ceased|resolved|remission",
    "no longer",
    "in 1990|2000|2005|2010|2012|2013|2014|2015|2016|2017|2018|2019|2020|2021|2022",
]
TIME_WORDS = frozenset(
    {
        "week",
        "weeks",
        "weekend",
        "month",
        "months",
        "fortnight",
        "few",
        "couple",
        "day",
        "days",
        "session",
        "sessions",
        "night",
        "nights",
        "appointment",
        "hour",
        "hours",
        "morning",
        "evening",
        "year",
        "two",
        "three",
        "several",
        "time",
    }
)
CURRENT_WORDS = frozenset(
    {
        "again",
        "currently",
        "now",
        "recently",
        "recent",
        "today",
        "yesterday",
        "lately",
        "ongoing",
        "returned",
        "resumed",
        "relapsed",
        "restarted",
        "tonight",
    }
)
# Who a mention is about: the nearest of these before it decides.
CLIENT_WORDS = frozenset({"she", "he", "i", "client", "pt", "patient", "they", "ms", "mr", "mx"})
OTHER_PEOPLE = _words(
    """mother mum mom mam mummy mommy father dad daddy parent parents brother sister sibling
    siblings son daughter child children kid kids baby toddler teenager partner husband wife
    boyfriend girlfriend ex friend friends colleague colleagues boss manager uncle aunt auntie
    grandmother grandfather grandma grandpa nan nana gran granny grandad grandparents cousin
    niece nephew stepfather stepmother stepdad stepmum stepmom stepson stepdaughter family
    neighbour neighbor flatmate housemate teacher someone people others fiance fiancee
    spouse sibling relative relatives law"""
)

# Common misspellings and missing apostrophes, read as the intended word.
SPELLING_FIXES = {
    "cant": "can't",
    "dont": "don't",
    "didnt": "didn't",
    "doesnt": "doesn't",
    "isnt": "isn't",
    "wasnt": "wasn't",
    "couldnt": "couldn't",
    "wouldnt": "wouldn't",
    "hasnt": "hasn't",
    "havent": "haven't",
    "hadnt": "hadn't",
    "shouldnt": "shouldn't",
    "arent": "aren't",
    "werent": "weren't",
    "wont": "won't",
    "seperate": "separate",
    "seperated": "separated",
    "anxous": "anxious",
    "anxios": "anxious",
    "suicdal": "suicidal",
    "sucidal": "suicidal",
    "suicial": "suicidal",
    "depresed": "depressed",
    "gf": "girlfriend",
    "bf": "boyfriend",
}

IRREGULAR_FORMS = {
    "be": ["is", "am", "are", "was", "were", "been", "being"],
    "have": ["has", "had", "having"],
    "do": ["does", "did", "done", "doing"],
    "feel": ["felt"],
    "think": ["thought"],
    "drink": ["drank", "drunk"],
    "take": ["took", "taken"],
    "cut": ["cut"],
    "hurt": ["hurt"],
    "hit": ["hit"],
    "fight": ["fought"],
    "lose": ["lost"],
    "leave": ["left"],
    "sleep": ["slept"],
    "wake": ["woke", "woken"],
    "give": ["gave", "given"],
    "go": ["went", "gone"],
    "say": ["said"],
    "tell": ["told"],
    "keep": ["kept"],
    "eat": ["ate", "eaten"],
    "make": ["made"],
    "run": ["ran"],
    "bring": ["brought"],
    "seek": ["sought"],
    "hide": ["hid", "hidden"],
    "break": ["broke", "broken"],
    "fall": ["fell", "fallen"],
    "hold": ["held"],
    "get": ["got", "gotten"],
    "know": ["knew", "known"],
    "see": ["saw", "seen"],
    "come": ["came"],
    "lie": ["lay", "lain"],
    "beat": ["beaten"],
    "shoot": ["shot"],
    "bite": ["bit", "bitten"],
    "grow": ["grew", "grown"],
    "throw": ["threw", "thrown"],
    "speak": ["spoke", "spoken"],
    "forget": ["forgot", "forgotten"],
    "burn": ["burnt"],
    "spend": ["spent"],
    "stand": ["stood"],
    "withdraw": ["withdrew", "withdrawn"],
    "put": ["put"],
    "let": ["let"],
    "find": ["found"],
    "feed": ["fed"],
    "read": ["read"],
    "shut": ["shut"],
    "mean": ["meant"],
    "binge": ["bingeing"],
    "win": ["won"],
    "teach": ["taught"],
    "swear": ["swore", "sworn"],
    "sit": ["sat"],
    "stick": ["stuck"],
}

_VOWELS = set("aeiou")


def word_forms(word: str) -> set[str]:
    """The word and its regular inflections (generated, not stemmed), with -ise/-ize variants.

    Over-generation is harmless: forms that are not English words never occur in notes.
    """
    if " " in word or not word.isalpha() or len(word) < 3:
        forms = {word}
    else:
        forms = {word, *IRREGULAR_FORMS.get(word, [])}
        if word.endswith(("s", "x", "z", "ch", "sh")):
            forms.add(word + "es")
        elif word.endswith("y") and word[-2] not in _VOWELS:
            forms |= {word[:-1] + "ies", word[:-1] + "ied"}
        else:
            forms.add(word + "s")
        if word.endswith("ie"):
            forms |= {word[:-2] + "ying", word + "d"}
        elif word.endswith("ee"):
            forms |= {word + "d", word + "ing"}
        elif word.endswith("e"):
            forms |= {word + "d", word[:-1] + "ing"}
        elif word.endswith("c"):
            forms |= {word + "ked", word + "king"}
        elif not (word.endswith("y") and word[-2] not in _VOWELS):
            forms |= {word + "ed", word + "ing"}
            if word[-1] not in _VOWELS | {"w", "x", "y"} and word[-2] in _VOWELS:
                forms |= {word + word[-1] + "ed", word + word[-1] + "ing"}
        else:
            forms.add(word + "ing")
    for form in list(forms):
        forms |= _spelling_variants(form)
    return forms | {form + "'s" for form in forms} | {form + "s'" for form in forms}


_SPELLINGS = re.compile(r"^(.{3,})(is|iz)(e|es|ed|ing|ation|ations)$|^(.{3,})(our)(s|ed|ing|)$")


def _spelling_variants(form: str) -> set[str]:
    """British and American spellings: apologise/apologize, behaviour/behavior."""
    found = _SPELLINGS.match(form)
    if not found:
        return set()
    if found[2]:
        return {found[1] + {"is": "iz", "iz": "is"}[found[2]] + found[3]}
    return {found[4] + "or" + found[6]}
