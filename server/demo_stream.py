"""The demo activity stream: news, the director's blog, circle posts with comments and reactions.

Pure data for `python -m server seed-demo`, about the people and circles of `server.demo_data`. Every client, address
and figure is made up. Times are relative (`days_ago`, `hours_ago`) so the demo always looks fresh. Call `check()` to
verify the invariants the seeder relies on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from server import demo_data

REACTIONS = ("thumbsup", "heart", "tada", "laugh", "bulb", "pray")


@dataclass(frozen=True)
class DemoComment:
    author: str  # PEOPLE local part
    body: str  # Markdown, Dutch, 1–3 sentences
    replies: tuple[DemoComment, ...] = ()  # one level only: replies have no replies
    reactions: tuple[tuple[str, str], ...] = ()  # (person local, reaction name)


@dataclass(frozen=True)
class DemoNews:
    author: str  # an editor
    title: str
    lead: str  # one sentence
    body: str  # Markdown, several paragraphs
    days_ago: int  # 0..30, when it was published
    featured_days: int = 0  # > 0: featured (pinned) for this many days from publication
    must_read: bool = False
    comments: tuple[DemoComment, ...] = ()
    reactions: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class DemoBlogPost:
    author: str  # the director
    title: str
    body: str  # Markdown; the director answers questions colleagues asked him
    days_ago: int
    comments: tuple[DemoComment, ...] = ()  # colleagues ask follow-up questions; the director answers in replies
    reactions: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class DemoPost:
    circle: str  # a CIRCLES name
    author: str  # a member or admin of that circle
    body: str  # Markdown, 1–4 sentences, may mention a colleague as @local
    days_ago: int
    hours_ago: int = 0
    comments: tuple[DemoComment, ...] = ()
    reactions: tuple[tuple[str, str], ...] = ()


def _r(reaction: str, *people: str) -> tuple[tuple[str, str], ...]:
    """`reaction` by each of `people`, as (person, reaction) pairs."""
    return tuple((person, reaction) for person in people)


# --- News ----------------------------------------------------------------------------------------------------------

NEWS: tuple[DemoNews, ...] = (
    DemoNews(
        author="eva.groen",
        title="De G-schijf verhuist naar Kring: dit moet je weten",
        lead="Over vier weken gaat de G-schijf op slot en vind je gedeelde documenten in je kringen op Kring.",
        body=(
            "Jarenlang was de G-schijf de plek voor alles: formulieren, roosters, notulen en de sociale kaart. Maar "
            "de schijf is vol, niemand weet meer welke versie de juiste is en thuis of onderweg kom je er alleen via "
            "de VPN bij. Daarom verhuizen we de gedeelde documenten de komende weken naar **Kring**.\n\n"
            "**Wat verandert er?**\n\n"
            "- Elk team en elke vakgroep krijgt zijn documenten in de eigen kring.\n"
            "- Organisatiebrede formulieren en protocollen beheert de staf centraal; je vindt ze via de zoekfunctie.\n"
            "- Over vier weken wordt de G-schijf **alleen-lezen**. Drie maanden later gaat hij definitief uit.\n\n"
            "**Wat moet jij doen?**\n\n"
            "1. Kijk deze week met je team welke mappen je echt nog nodig hebt. Oude versies en dubbele bestanden "
            "mogen weg.\n"
            "2. Geef via je teamleider door welke mappen mee moeten. De key users zetten ze samen met functioneel "
            "beheer over.\n"
            "3. Zet **nooit** cliëntgegevens in Kring. Die horen in het cliëntregistratiesysteem, zoals altijd.\n\n"
            "Vragen? Stel ze hieronder of kom naar het inloopuur van @martijn.vanes op donderdagmiddag. De volledige "
            "planning per team staat op [example.org/g-schijf](https://example.org/g-schijf)."
        ),
        days_ago=2,
        featured_days=14,
        must_read=True,
        comments=(
            DemoComment(
                "anna.devries",
                "Fijn! Gaan de mappen die we met de gemeente delen ook mee, of blijven die op de G-schijf?",
                replies=(
                    DemoComment(
                        "martijn.vanes",
                        "Die gaan niet naar Kring: voor uitwisseling met de gemeente blijft hun beveiligde omgeving. "
                        "Twijfel je welke map wat is? Stuur me gerust een berichtje.",
                        reactions=_r("thumbsup", "anna.devries", "lotte.hermans"),
                    ),
                ),
            ),
            DemoComment(
                "gerrit.hendriks",
                "Ik heb daar nog mappen uit 2009 staan. Mag ik die nu eindelijk opruimen?",
                replies=(
                    DemoComment(
                        "eva.groen",
                        "Graag zelfs, Gerrit! Check even met @ilse.koopman of er iets met bewaartermijn tussen zit.",
                    ),
                ),
                reactions=_r("laugh", "pieter.smit", "anouk.peters", "esra.yildiz"),
            ),
            DemoComment(
                "ilse.koopman",
                "Nog even vanuit privacy: ook geen scans van paspoorten of beschikkingen in Kring, ook niet "
                "'even tijdelijk'. Twijfel je, vraag het me.",
                reactions=_r("thumbsup", "henk.jansen", "martijn.vanes", "hanneke.mulder") + _r("pray", "eva.groen"),
            ),
        ),
        reactions=(
            _r("thumbsup", "mark.vandenberg", "pieter.smit", "marloes.degraaf", "hanneke.mulder", "ellen.vandoorn")
            + _r("tada", "gerda.huisman", "daan.schouten")
            + _r("bulb", "erik.vanderheijden")
        ),
    ),
    DemoNews(
        author="rik.hoekstra",
        title="Wijkpunt De Kruidentuin in Passewaaij opent de deuren",
        lead="Vanaf deze week werken buurtcoaches, cliëntondersteuners en jongerenwerkers ook vanuit een nieuw "
        "wijkpunt in de Tielse wijk Passewaaij.",
        body=(
            "Na maanden verbouwen is het zover: in de voormalige basisschool midden in Passewaaij zit nu "
            "**Wijkpunt De Kruidentuin**. De naam komt van de bewonerstuin achter het gebouw, die buurtbewoners zelf "
            "hebben aangelegd.\n\n"
            "Inwoners kunnen er zonder afspraak binnenlopen:\n\n"
            "- **maandag en woensdag** 9.00–12.00 uur: buurtcoaches en cliëntondersteuning\n"
            "- **dinsdag** 13.00–16.00 uur: spreekuur geldzaken en schuldhulp\n"
            "- **donderdag** vanaf 15.00 uur: jongereninloop\n\n"
            "Voor collega's zijn er zes flexplekken en een spreekkamer voor huisbezoeken die liever niet thuis "
            "plaatsvinden. Reserveren doe je via Gerda Huisman; parkeren kan gratis op het plein achter het "
            "gebouw.\n\n"
            "De officiële opening is volgende week vrijdag om 16.00 uur, door de wethouder sociaal domein. Iedereen "
            "is welkom, er is soep van de kookclub uit de wijk. Meer foto's van de verbouwing staan op "
            "[example.org/kruidentuin](https://example.org/kruidentuin)."
        ),
        days_ago=9,
        featured_days=10,
        comments=(
            DemoComment(
                "joost.verhoeven",
                "De bewonerstuin is echt van de buurt zelf, dus kom vooral kijken. De tomaten zijn bijna rijp!",
                reactions=_r("heart", "ingrid.bos", "anna.devries", "henk.jansen"),
            ),
            DemoComment(
                "jayden.pinas",
                "Kunnen we de jongereninloop ook op vrijdagavond doen? Dan zijn de meeste jongeren er.",
                replies=(
                    DemoComment(
                        "jeroen.dejong",
                        "Goed punt, Jayden. We beginnen op donderdag en kijken na de zomer of vrijdag beter werkt. "
                        "Neem je het mee naar het teamoverleg?",
                    ),
                ),
                reactions=_r("thumbsup", "dennis.kok", "tom.brouwer"),
            ),
            DemoComment(
                "lotte.hermans",
                "Is er al wifi? Vorige week deed het nog niet.",
                replies=(
                    DemoComment(
                        "gerda.huisman",
                        "Sinds maandag wel! Het wachtwoord hangt in de keuken bij de koffieautomaat.",
                        reactions=_r("pray", "lotte.hermans"),
                    ),
                ),
            ),
        ),
        reactions=(
            _r("tada", "mark.vandenberg", "fatima.elamrani", "ingrid.bos", "jeroen.dejong", "miriam.koster")
            + _r("heart", "joost.verhoeven", "noor.visser")
            + _r("thumbsup", "ellen.vandoorn")
        ),
    ),
    DemoNews(
        author="eva.groen",
        title="Nieuwe Wmo-verordening: wat verandert er voor onze inwoners?",
        lead="De vier gemeenten in ons werkgebied hebben een gezamenlijke Wmo-verordening vastgesteld die volgende "
        "maand ingaat.",
        body=(
            "De gemeenteraden van Tiel, Culemborg, West Betuwe en Zaltbommel hebben ingestemd met een nieuwe "
            "verordening maatschappelijke ondersteuning. Voor inwoners verandert vooral de manier waarop ze hulp "
            "aanvragen. Voor ons is het belangrijk dat we die veranderingen goed kunnen uitleggen, aan de "
            "keukentafel en aan de balie.\n\n"
            "**De belangrijkste veranderingen**\n\n"
            "- Er komt **één meldformulier** voor alle vier de gemeenten, online en op papier.\n"
            "- Het gesprek na een melding wordt standaard binnen **twee weken** gepland.\n"
            "- Lichte hulp, zoals boodschappenhulp en maatjescontact, wordt een **algemene voorziening**: geen "
            "beschikking meer nodig, aanmelden kan direct via het buurtteam.\n"
            "- Kleine woningaanpassingen, zoals beugels en drempelhulpen, krijgen een snelle route zonder "
            "uitgebreid onderzoek.\n\n"
            "**Wat betekent dit voor jou?**\n\n"
            "Inwoners mogen altijd een onafhankelijke cliëntondersteuner meenemen, en de gemeenten wijzen daar "
            "voortaan in elke brief op. Verwijs vragen over een lopende beschikking dus gerust door naar het team "
            "Cliëntondersteuning.\n\n"
            "Cliëntondersteuning organiseert twee kennissessies, in Tiel en in Zaltbommel. Aanmelden kan via "
            "[example.org/wmo-sessie](https://example.org/wmo-sessie)."
        ),
        days_ago=15,
        comments=(
            DemoComment(
                "miriam.koster",
                "We merken nu al dat mensen ongerust zijn over hun huishoudelijke hulp. Stuur ze gerust naar ons, "
                "dan lopen we hun beschikking samen door.",
                reactions=_r("thumbsup", "anna.devries", "erik.vanderheijden", "hatice.ozturk"),
            ),
            DemoComment(
                "marieke.vandam",
                "Vallen trapliften ook onder die snelle route?",
                replies=(
                    DemoComment(
                        "erik.vanderheijden",
                        "Nee, een traplift blijft maatwerk met een onderzoek door de gemeente. De snelle route is "
                        "alleen voor kleine aanpassingen.",
                        reactions=_r("thumbsup", "marieke.vandam", "henny.vos"),
                    ),
                ),
            ),
            DemoComment(
                "anna.devries",
                "Handig overzicht! Ik heb het uitgeprint voor het inloopspreekuur in de bibliotheek.",
                reactions=_r("heart", "eva.groen"),
            ),
        ),
        reactions=(
            _r("bulb", "anna.devries", "lotte.hermans", "henny.vos", "gerrit.hendriks")
            + _r("thumbsup", "miriam.koster", "johan.post", "linda.vanwijk", "pieter.smit")
        ),
    ),
    DemoNews(
        author="rik.hoekstra",
        title="Jaarverslag: ruim 6.000 inwoners verder geholpen",
        lead="Het jaarverslag over vorig jaar is klaar en laat zien hoeveel inwoners we samen verder hebben geholpen.",
        body=(
            "Cijfers zeggen niet alles over ons werk, maar ze laten wel zien hoeveel er gebeurt. Een greep uit het "
            "jaarverslag:\n\n"
            "- **6.240** inwoners kregen hulp van een van de drie buurtteams\n"
            "- **1.130** huishoudens klopten aan bij schuldhulp, van wie een derde al na één gemiste betaling\n"
            "- **2.300** jongeren bereikten we via het jongerenwerk, op straat, op school en online\n"
            "- **410** statushouders begeleidden we bij wonen, taal en werk\n"
            "- **385** vrijwilligers zetten zich met ons in, van taalmaatje tot chauffeur\n\n"
            "Inwoners gaven ons gemiddeld een **8,1**. Wat ze het vaakst noemen: 'ze luisterden echt' en 'ik hoefde "
            "mijn verhaal maar één keer te vertellen'.\n\n"
            "We sloten het jaar af met een klein positief resultaat. Dat bedrag investeren we in scholing en in het "
            "nieuwe wijkpunt in Passewaaij. Het hele verslag lees je op "
            "[example.org/jaarverslag](https://example.org/jaarverslag)."
        ),
        days_ago=22,
        comments=(
            DemoComment(
                "orhan.aydin",
                "Voor wie de cijfers achter de cijfers wil zien: de financiële verantwoording staat in bijlage 2. "
                "Vragen stellen mag altijd.",
                reactions=_r("thumbsup", "henk.jansen", "monique.prins"),
            ),
            DemoComment(
                "hanneke.mulder",
                "Mooi om te zien hoeveel vroegsignalering bij schulden is gestegen. Dat is echt het werk van de hele "
                "keten.",
                replies=(
                    DemoComment(
                        "wendy.smits",
                        "Klopt! Dankzij de afspraken met de woningcorporaties zijn we er nu vaak al na één gemiste "
                        "huur bij.",
                        reactions=_r("tada", "hanneke.mulder", "michiel.bakker"),
                    ),
                ),
            ),
            DemoComment(
                "marcel.timmermans",
                "'Ik hoefde mijn verhaal maar één keer te vertellen.' Dat is voor mij het mooiste cijfer van allemaal.",
                reactions=_r("heart", "ramon.doelwijt", "wendy.smits", "henk.jansen", "miriam.koster"),
            ),
        ),
        reactions=(
            _r("tada", "henk.jansen", "marloes.degraaf", "jeroen.dejong", "ellen.vandoorn", "erik.vanderheijden")
            + _r("heart", "ingrid.bos", "jan.vermeulen")
            + _r("thumbsup", "orhan.aydin")
        ),
    ),
    DemoNews(
        author="eva.groen",
        title="Studiedag 'Samen sterk in de wijk': schrijf je in",
        lead="Op donderdag over drie weken zijn alle locaties dicht voor onze jaarlijkse studiedag in Zaltbommel.",
        body=(
            "Eén dag per jaar leggen we het werk neer om van en met elkaar te leren. Dit jaar zijn we te gast in "
            "Wijkcentrum De Poort in Zaltbommel. De telefonische bereikbaarheid voor spoed blijft geregeld.\n\n"
            "**Programma**\n\n"
            "- 9.00 uur: inloop met koffie\n"
            "- 9.30 uur: opening door Henk Jansen en een lezing over armoede en stress\n"
            "- 11.00 uur: eerste workshopronde\n"
            "- 12.30 uur: lunch\n"
            "- 13.30 uur: tweede workshopronde\n"
            "- 15.30 uur: afsluiting en borrel\n\n"
            "**Workshops** (je kiest er twee)\n\n"
            "- *De meldcode in de praktijk*, met Sanne Kuipers\n"
            "- *Motiverende gespreksvoering bij huisbezoek*\n"
            "- *Mentale gezondheid en sociale media bij jongeren*, met Kim van der Meer\n"
            "- *Ervaringsdeskundigheid: wat levert het op?*, met Ramon Doelwijt en Marcel Timmermans\n"
            "- *Werken met tolken en beeldmateriaal*\n\n"
            "We hebben accreditatiepunten aangevraagd voor je herregistratie. Schrijf je **vóór vrijdag** in via "
            "[example.org/studiedag](https://example.org/studiedag)."
        ),
        days_ago=6,
        comments=(
            DemoComment(
                "daan.schouten",
                "Is de workshop over de meldcode ook geschikt als je er nog weinig mee hebt gedaan?",
                replies=(
                    DemoComment(
                        "sanne.kuipers",
                        "Zeker, Daan! We beginnen bij de basis en oefenen met casussen uit de praktijk.",
                        reactions=_r("thumbsup", "daan.schouten", "marloes.degraaf"),
                    ),
                ),
            ),
            DemoComment(
                "priya.jagesar",
                "Is er ook een vegetarische lunch?",
                replies=(
                    DemoComment(
                        "gerda.huisman",
                        "Jazeker, en ook halal. Allergieën kun je doorgeven in het inschrijfformulier.",
                        reactions=_r("pray", "priya.jagesar", "hatice.ozturk"),
                    ),
                ),
            ),
        ),
        reactions=(
            _r("thumbsup", "marloes.degraaf", "hanneke.mulder", "samira.benali", "kim.vandermeer")
            + _r("tada", "ramon.doelwijt", "marcel.timmermans")
        ),
    ),
    DemoNews(
        author="rik.hoekstra",
        title="Save the date: zomerfeest op de Waal",
        lead="Op vrijdagavond over vijf weken vieren we het personeelsfeest aan boord van een partyschip op de Waal.",
        body=(
            "Na een druk jaar met een nieuwe verordening, een nieuw wijkpunt en een verhuizing van de G-schijf is "
            "het tijd voor een feestje. Dit jaar gaan we het water op.\n\n"
            "- **Waar:** aan boord, vertrek vanaf de Waalkade in Tiel\n"
            "- **Wanneer:** vrijdagavond, inschepen vanaf 17.30 uur, terug rond 23.00 uur\n"
            "- **Eten:** een wereldbuffet, geïnspireerd op de kring *Recepten*\n"
            "- **Muziek:** dj Jayden Pinas uit de muziekstudio van het jongerenwerk\n\n"
            "Kom je met de trein uit Culemborg of Zaltbommel? Er rijdt na afloop een pendelbus naar alle vier de "
            "locaties. Aanmelden kan tot twee weken van tevoren via "
            "[example.org/zomerfeest](https://example.org/zomerfeest)."
        ),
        days_ago=12,
        comments=(
            DemoComment(
                "jayden.pinas",
                "Verzoeknummers mogen hieronder! 🎧",
                replies=(
                    DemoComment("gerrit.hendriks", "Iets van Doe Maar graag, dan sta ik als eerste op de dansvloer."),
                    DemoComment("tom.brouwer", "Als er maar geen polonaise komt."),
                ),
                reactions=_r("laugh", "samira.benali", "fatima.elamrani", "youssef.bouzid"),
            ),
            DemoComment(
                "fatima.elamrani",
                "Mogen partners ook mee?",
                replies=(
                    DemoComment(
                        "rik.hoekstra",
                        "Dit jaar alleen collega's, maar wie vorig jaar met pensioen is gegaan, krijgt ook een "
                        "uitnodiging.",
                        reactions=_r("heart", "gerrit.hendriks"),
                    ),
                ),
            ),
        ),
        reactions=(
            _r("tada", "anna.devries", "monique.prins", "gerda.huisman", "dennis.kok", "lina.khalil", "bas.vink")
            + _r("heart", "henny.vos")
            + _r("laugh", "orhan.aydin")
        ),
    ),
)


# --- The director's blog -------------------------------------------------------------------------------------------

BLOG: tuple[DemoBlogPost, ...] = (
    DemoBlogPost(
        author="henk.jansen",
        title="Over werkdruk: jullie vragen, mijn antwoorden",
        body=(
            "In de teamrondes van de afgelopen weken kreeg ik één vraag vaker dan alle andere: *Henk, wat doe je "
            "aan de werkdruk?* Ik wil daar eerlijk op antwoorden, ook als het antwoord niet alles oplost.\n\n"
            "**'De wachtlijst bij de buurtteams groeit. Komen er mensen bij?'**\n\n"
            "Ja, maar niet genoeg om alles op te lossen. De gemeente Culemborg financiert twee extra buurtcoaches "
            "voor Oost, en we werven voor twee vacatures in schuldhulp. Tegelijk weet ik dat een nieuwe collega pas "
            "na een paar maanden echt meedraait.\n\n"
            "**'Waarom moeten we alles drie keer registreren?'**\n\n"
            "Daar hebben jullie gelijk in. Vanaf volgend kwartaal vervalt het maandoverzicht in Excel: de cijfers "
            "halen we dan rechtstreeks uit het registratiesysteem. Dat scheelt elke buurtcoach naar schatting een "
            "uur per week.\n\n"
            "**'Mag ik nee zeggen tegen een nieuwe casus?'**\n\n"
            "Ja. Als je caseload vol is, bespreek je dat met je teamleider, en dan zoeken we samen een oplossing. "
            "Niemand hoeft in stilte door te buffelen.\n\n"
            "Mijn deur staat open, letterlijk: tweede verdieping aan de Stationsstraat. Reageren mag ook hieronder."
        ),
        days_ago=25,
        comments=(
            DemoComment(
                "pieter.smit",
                "Dank voor je eerlijkheid, Henk. Geldt het schrappen van het maandoverzicht ook voor de teamleiders, "
                "of houden wij onze eigen rapportage?",
                replies=(
                    DemoComment(
                        "henk.jansen",
                        "Ook voor jullie, Pieter. Orhan maakt een dashboard, zodat je dezelfde cijfers ziet zonder ze "
                        "zelf bij elkaar te zoeken.",
                        reactions=_r("thumbsup", "pieter.smit", "marloes.degraaf", "mark.vandenberg"),
                    ),
                ),
            ),
            DemoComment(
                "nadia.haddou",
                "Wat ons in Zuid helpt: de vrijdagmiddag is overlegvrij. Dan is er eindelijk tijd om verslagen af te "
                "maken.",
                replies=(
                    DemoComment(
                        "henk.jansen",
                        "Mooi voorbeeld, Nadia. Ik vraag Marloes om het in het teamleidersoverleg te delen.",
                    ),
                ),
                reactions=_r("bulb", "anna.devries", "esra.yildiz", "tim.vanleeuwen", "hanneke.mulder"),
            ),
            DemoComment(
                "michiel.bakker",
                "Wanneer verwacht je dat de vacatures bij schuldhulp zijn ingevuld? De wachttijd loopt nu op naar vijf "
                "weken.",
                replies=(
                    DemoComment(
                        "henk.jansen",
                        "De gesprekken zijn volgende week. Tot die tijd helpen twee maatschappelijk werkers met de "
                        "intakes, zodat niemand langer dan drie weken wacht.",
                        reactions=_r("pray", "michiel.bakker", "wendy.smits"),
                    ),
                ),
            ),
        ),
        reactions=(
            _r("thumbsup", "mark.vandenberg", "sanne.kuipers", "youssef.bouzid", "priya.jagesar", "linda.vanwijk")
            + _r("heart", "anouk.peters", "ingrid.bos")
            + _r("pray", "daan.schouten")
        ),
    ),
    DemoBlogPost(
        author="henk.jansen",
        title="Thuiswerken: waarom we niet teruggaan naar vijf dagen kantoor",
        body=(
            "Na het bericht over de nieuwe flexplekken kreeg ik veel vragen over thuiswerken. Hier de drie die het "
            "vaakst terugkwamen.\n\n"
            "**'Moet ik vaker op kantoor zijn?'**\n\n"
            "Nee. Ons werk gebeurt in de wijk, niet op kantoor en ook niet thuis. Wat we wél vragen: één vaste "
            "teamdag per week waarop iedereen er is. Die dag bepaal je met je team.\n\n"
            "**'Krijg ik een thuiswerkvergoeding?'**\n\n"
            "Ja, volgens de cao krijg je een vergoeding per thuiswerkdag. Monique van personeelszaken legt in de "
            "kring *Staf en ondersteuning* uit hoe je die dagen doorgeeft; je teamleider kan je het ook vertellen.\n\n"
            "**'Ik voel me thuis soms alleen met zware verhalen. Wat dan?'**\n\n"
            "Dat is misschien wel de belangrijkste vraag. Na een heftig huisbezoek ga je niet in je eentje aan de "
            "keukentafel zitten piekeren: bel een collega, loop binnen bij een wijkpunt of gebruik de intervisie. "
            "En onze vertrouwenspersonen zijn er ook voor jou."
        ),
        days_ago=16,
        comments=(
            DemoComment(
                "femke.willems",
                "Ik werk deels op scholen. Hoe werkt die vaste teamdag als mijn scholen juist op die dag iets van me "
                "willen?",
                replies=(
                    DemoComment(
                        "henk.jansen",
                        "Dan is de school leidend, Femke. De teamdag is een afspraak, geen wet; spreek met Hanneke af "
                        "hoe je aangesloten blijft.",
                        reactions=_r("thumbsup", "femke.willems", "hanneke.mulder"),
                    ),
                ),
            ),
            DemoComment(
                "shanti.ramdin",
                "Dank dat je de vertrouwenspersonen noemt. We merken dat collega's ons vaak pas laat weten te vinden.",
                reactions=_r("heart", "gerrit.hendriks", "murat.celik", "henny.vos"),
            ),
            DemoComment(
                "tim.vanleeuwen",
                "Mogen we de teamdag ook in een dorpshuis houden in plaats van in Geldermalsen? Scheelt voor "
                "sommigen een half uur rijden.",
                replies=(
                    DemoComment(
                        "henk.jansen",
                        "Wat mij betreft wel, Tim, zolang het dorpshuis er blij mee is. Ruud weet vast welke ruimte "
                        "geschikt is.",
                    ),
                    DemoComment("daan.schouten", "Ik stem voor het dorpshuis met de appeltaart."),
                ),
                reactions=_r("laugh", "marloes.degraaf", "ruud.dekker"),
            ),
        ),
        reactions=(
            _r("thumbsup", "anna.devries", "bart.meijer", "esra.yildiz", "rachid.elidrissi", "johan.post")
            + _r("heart", "monique.prins", "murat.celik")
        ),
    ),
    DemoBlogPost(
        author="henk.jansen",
        title="De Kruidentuin: waarom Passewaaij, en waarom nu?",
        body=(
            "Het nieuwe wijkpunt in Passewaaij is open, en dat leverde naast felicitaties ook terechte vragen op.\n\n"
            "**'Waarom daar, en niet in een andere wijk?'**\n\n"
            "In Passewaaij wonen veel jonge gezinnen en steeds meer ouderen, maar tot nu toe was er geen plek in "
            "de wijk om zonder afspraak binnen te lopen. De buurtcoaches zagen dat inwoners pas kwamen als de "
            "problemen al groot waren. Dichterbij zijn helpt om er eerder bij te zijn.\n\n"
            "**'Waarom geld uitgeven aan een gebouw terwijl de werkdruk hoog is?'**\n\n"
            "Het gebouw is van de gemeente en we betalen een lage huur; de verbouwing kwam uit een eenmalige "
            "bijdrage van de woningcorporatie. Er gaat dus geen geld af van het budget voor personeel.\n\n"
            "**'Gaat er een andere locatie dicht?'**\n\n"
            "Nee. Alle vier de locaties blijven open. De Kruidentuin is een wijkpunt met flexplekken, geen nieuw "
            "kantoor. Kom gerust een keer langs, de koffie is er (nog) gratis."
        ),
        days_ago=7,
        comments=(
            DemoComment(
                "ruud.dekker",
                "Mooi initiatief! Zit er ook zoiets in de planning voor de Bommelerwaard? In de dorpen is de afstand "
                "tot Zaltbommel groot.",
                replies=(
                    DemoComment(
                        "henk.jansen",
                        "Daar praten we met de gemeente Zaltbommel over, Ruud. Ik denk eerder aan spreekuren in de "
                        "dorpshuizen dan aan een gebouw. Jouw kennis van de dorpshuizen hebben we daarbij hard nodig.",
                        reactions=_r("thumbsup", "ruud.dekker", "marloes.degraaf", "tim.vanleeuwen"),
                    ),
                ),
            ),
            DemoComment(
                "lotte.hermans",
                "Komt er een fietsenstalling? Ik fiets vanuit Tiel-West en mijn fiets stond vorige week in de regen.",
                replies=(
                    DemoComment(
                        "henk.jansen",
                        "Die staat op de lijst, Lotte. Gerda laat volgende maand een overkapping plaatsen.",
                        reactions=_r("pray", "lotte.hermans"),
                    ),
                ),
            ),
            DemoComment(
                "jeroen.dejong",
                "Voor het jongerenwerk is dit echt een kans: de jongeren uit Passewaaij kwamen bijna nooit naar het "
                "centrum.",
                reactions=_r("heart", "jayden.pinas", "samira.benali"),
            ),
        ),
        reactions=(
            _r("thumbsup", "joost.verhoeven", "gerda.huisman", "orhan.aydin", "miriam.koster")
            + _r("heart", "ingrid.bos", "anna.devries")
            + _r("bulb", "bart.meijer")
        ),
    ),
)


# --- Circle posts --------------------------------------------------------------------------------------------------

POSTS: tuple[DemoPost, ...] = (
    # Buurtteam Centrum (closed)
    DemoPost(
        circle="Buurtteam Centrum",
        author="mark.vandenberg",
        body=(
            "Herinnering: het teamoverleg van donderdag is verplaatst naar **vrijdag 9.30 uur** in de grote zaal. "
            "Agendapunten graag vóór woensdag bij mij. @sanne.kuipers, wil jij de update over de meldcode doen?"
        ),
        days_ago=1,
        hours_ago=3,
        comments=(
            DemoComment("sanne.kuipers", "Doe ik! Ik neem ook de afwegingskaders mee, daar zijn veel vragen over."),
            DemoComment(
                "lotte.hermans",
                "Ik heb vrijdag spreekuur tot 10.00 uur, ik schuif daarna aan.",
                replies=(DemoComment("mark.vandenberg", "Prima, dan doen we de casussen na tienen."),),
            ),
        ),
        reactions=_r("thumbsup", "anna.devries", "fatima.elamrani", "ingrid.bos", "joost.verhoeven"),
    ),
    DemoPost(
        circle="Buurtteam Centrum",
        author="fatima.elamrani",
        body=(
            "Vandaag bij een gezin dat al maanden geen post meer opende, uit pure angst. Samen met @ramon.doelwijt "
            "alle enveloppen op de keukentafel gesorteerd: drie kwartier later lag er een plan. Soms is het zo "
            "simpel, en tegelijk zo moeilijk."
        ),
        days_ago=4,
        hours_ago=6,
        comments=(
            DemoComment(
                "ramon.doelwijt",
                "Het begint altijd met die stapel. Ik weet nog hoe zwaar dat voor mezelf was. Mooi gedaan, Fatima.",
                reactions=_r("heart", "fatima.elamrani", "anna.devries", "mark.vandenberg"),
            ),
            DemoComment(
                "anna.devries",
                "Zijn ze al aangemeld bij schuldhulp?",
                replies=(DemoComment("fatima.elamrani", "Ja, de aanmelding staat. Wendy pakt het volgende week op."),),
            ),
        ),
        reactions=_r("heart", "ingrid.bos", "sanne.kuipers", "lotte.hermans", "mark.vandenberg")
        + _r("pray", "joost.verhoeven"),
    ),
    DemoPost(
        circle="Buurtteam Centrum",
        author="ingrid.bos",
        body=(
            "De maatjesprojecten zoeken nieuwe vrijwilligers. Kennen jullie bewoners die net met pensioen zijn en "
            "iets willen betekenen voor een buurtgenoot? Ik maak graag een afspraak voor een kennismaking."
        ),
        days_ago=11,
        comments=(
            DemoComment(
                "joost.verhoeven",
                "Bij de bewonerstuin in Passewaaij lopen een paar heel actieve gepensioneerden rond. Ik vraag het ze!",
                replies=(DemoComment("ingrid.bos", "Graag! Ze mogen me ook gewoon bellen."),),
            ),
            DemoComment("lotte.hermans", "Ik hang je oproep op het prikbord bij het spreekuur in de bibliotheek."),
        ),
        reactions=_r("thumbsup", "mark.vandenberg", "fatima.elamrani", "lotte.hermans"),
    ),
    # Jongerenwerk
    DemoPost(
        circle="Jongerenwerk",
        author="jayden.pinas",
        body=(
            "Nieuwe track uit de studio! Drie jongens uit Tiel-West schreven een nummer over opgroeien in hun wijk, "
            "en ze willen het graag live spelen bij de opening van De Kruidentuin. Ze waren zo trots toen ze het "
            "voor het eerst terughoorden."
        ),
        days_ago=0,
        hours_ago=5,
        comments=(
            DemoComment(
                "jeroen.dejong",
                "Geweldig, ik zet ze op het programma. Vraag je of ze een kwartiertje kunnen vullen?",
                replies=(DemoComment("jayden.pinas", "Komt goed, ze oefenen deze week elke avond."),),
            ),
            DemoComment(
                "samira.benali", "Mijn meidengroep wil daarna ook de studio in. Ik kom even langs om te plannen."
            ),
        ),
        reactions=_r("tada", "jeroen.dejong", "dennis.kok", "tom.brouwer", "samira.benali")
        + _r("heart", "lisa.vanbeek"),
    ),
    DemoPost(
        circle="Jongerenwerk",
        author="dennis.kok",
        body=(
            "Gisteravond rustig bij het station in Culemborg, wel veel gesprekken over lachgas. @lisa.vanbeek, mogen "
            "we jouw voorlichtingsmateriaal ook hier gebruiken?"
        ),
        days_ago=3,
        hours_ago=2,
        comments=(
            DemoComment(
                "lisa.vanbeek",
                "Natuurlijk! Ik neem volgende week een stapel flyers mee en kan ook een ouderavond in Culemborg doen.",
                reactions=_r("thumbsup", "dennis.kok", "emre.dogan"),
            ),
            DemoComment(
                "jeroen.dejong",
                "Goed dat je het signaleert, Dennis. Zet het ook in de maandrapportage voor de gemeente.",
            ),
        ),
        reactions=_r("thumbsup", "kim.vandermeer", "tom.brouwer"),
    ),
    DemoPost(
        circle="Jongerenwerk",
        author="emre.dogan",
        body=(
            "Goed nieuws: twee jongeren die vorig jaar thuiszaten, zijn deze week begonnen aan een bbl-opleiding bij "
            "een installatiebedrijf in Geldermalsen. Dank aan leerplicht en het mbo voor het snelle schakelen!"
        ),
        days_ago=13,
        comments=(
            DemoComment(
                "tom.brouwer",
                "Wat mooi, Emre. Hoe heb je het bedrijf zo snel zover gekregen?",
                replies=(
                    DemoComment(
                        "emre.dogan",
                        "Ik ben er gewoon langsgegaan met de jongens. Een goed gesprek werkt beter dan een cv.",
                        reactions=_r("bulb", "tom.brouwer", "kim.vandermeer"),
                    ),
                ),
            ),
        ),
        reactions=_r("tada", "jeroen.dejong", "samira.benali", "dennis.kok", "jayden.pinas", "lisa.vanbeek"),
    ),
    # Team Statushouders
    DemoPost(
        circle="Team Statushouders",
        author="yonas.haile",
        body=(
            "Trots! Een gezin dat ik twee jaar heb begeleid, kreeg vandaag de sleutels van een eigen huurwoning in "
            "Zaltbommel. De vader begint volgende maand als buschauffeur."
        ),
        days_ago=2,
        hours_ago=7,
        comments=(
            DemoComment(
                "ellen.vandoorn",
                "Wat een mijlpaal, Yonas. Jouw geduld met de woningcorporatie heeft echt geholpen.",
                reactions=_r("heart", "yonas.haile"),
            ),
            DemoComment(
                "senait.tesfay",
                "Hebben ze al spullen voor de woning? Ik weet een kringloop die meubels bezorgt.",
                replies=(DemoComment("yonas.haile", "Graag! Stuur je me de contactgegevens?"),),
            ),
        ),
        reactions=_r("tada", "ellen.vandoorn", "senait.tesfay", "ahmad.alhassan", "lina.khalil")
        + _r("heart", "jan.vermeulen"),
    ),
    DemoPost(
        circle="Team Statushouders",
        author="jan.vermeulen",
        body=(
            "We zoeken **taalmaatjes** in Culemborg en Tiel: vrijwilligers die één uur per week Nederlands oefenen "
            "met een nieuwkomer. Ken je iemand? Stuur ze naar "
            "[example.org/taalmaatje](https://example.org/taalmaatje)."
        ),
        days_ago=8,
        comments=(
            DemoComment(
                "lina.khalil",
                "In Geldermalsen hebben we er ook nog drie nodig!",
                replies=(DemoComment("jan.vermeulen", "Genoteerd, ik zet Geldermalsen erbij in de oproep."),),
            ),
            DemoComment(
                "ahmad.alhassan",
                "Tip: vraag het ook bij de bibliotheek, daar zitten veel mensen die al voorlezen aan kinderen.",
                reactions=_r("bulb", "jan.vermeulen", "ellen.vandoorn"),
            ),
        ),
        reactions=_r("thumbsup", "ellen.vandoorn", "yonas.haile", "senait.tesfay"),
    ),
    # Staf en ondersteuning (closed)
    DemoPost(
        circle="Staf en ondersteuning",
        author="gerda.huisman",
        body=(
            "De koffieautomaat op de tweede verdieping in Tiel is stuk. De monteur komt donderdag; tot die tijd "
            "staat er een thermoskan in de keuken beneden."
        ),
        days_ago=1,
        hours_ago=1,
        comments=(
            DemoComment(
                "bas.vink",
                "In De Linde staat nog een oud koffiezetapparaat in de kast. Zal ik het meenemen?",
                replies=(DemoComment("gerda.huisman", "Graag, Bas! Je bent een held."),),
                reactions=_r("laugh", "eva.groen", "rik.hoekstra"),
            ),
            DemoComment("henk.jansen", "Dan werk ik donderdag wel in De Kruidentuin."),
        ),
        reactions=_r("pray", "monique.prins", "orhan.aydin", "martijn.vanes") + _r("laugh", "ilse.koopman"),
    ),
    DemoPost(
        circle="Staf en ondersteuning",
        author="martijn.vanes",
        body=(
            "Stand van zaken G-schijf: 14 van de 23 teammappen staan in Kring. Deze week zijn de mappen van "
            "Buurtteam Zuid aan de beurt."
        ),
        days_ago=5,
        hours_ago=4,
        comments=(
            DemoComment(
                "eva.groen",
                "Zal ik volgende week een update in het nieuws zetten?",
                replies=(DemoComment("martijn.vanes", "Goed idee, als Zuid klaar is."),),
            ),
            DemoComment(
                "ilse.koopman",
                "Ik heb de mappen met privacygevoelige documenten gemarkeerd. Die gaan niet mee, die ruimen we op.",
                reactions=_r("thumbsup", "martijn.vanes", "henk.jansen"),
            ),
        ),
        reactions=_r("thumbsup", "henk.jansen", "monique.prins", "rik.hoekstra") + _r("tada", "gerda.huisman"),
    ),
    DemoPost(
        circle="Staf en ondersteuning",
        author="orhan.aydin",
        body=(
            "Voor de subsidieverantwoording aan de vier gemeenten heb ik vóór vrijdag de **fte-overzichten per team** "
            "nodig. @monique.prins, kun jij die aanleveren?"
        ),
        days_ago=10,
        comments=(
            DemoComment("monique.prins", "Staan donderdag klaar in onze kring."),
            DemoComment(
                "henk.jansen",
                "Dank, Orhan. Laten we in het MT bespreken hoe we meer laten zien dan alleen aantallen.",
                reactions=_r("thumbsup", "orhan.aydin", "eva.groen"),
            ),
        ),
        reactions=_r("thumbsup", "monique.prins"),
    ),
    # Maatschappelijk werkers
    DemoPost(
        circle="Maatschappelijk werkers",
        author="annemiek.vanrijn",
        body=(
            "Intervisievraag, geanonimiseerd: hoe houden jullie het tempo van de cliënt vast als er al een "
            "deurwaarder voor de deur staat?"
        ),
        days_ago=6,
        hours_ago=2,
        comments=(
            DemoComment(
                "wendy.smits",
                "Bel de deurwaarder zelf. Als ze zien dat er hulp is, geven ze vaak een paar weken uitstel.",
                reactions=_r("bulb", "annemiek.vanrijn", "priya.jagesar", "rachid.elidrissi"),
            ),
            DemoComment(
                "michiel.bakker",
                "En laat altijd de beslagvrije voet narekenen. Die is vaker verkeerd dan je zou denken.",
                replies=(
                    DemoComment(
                        "gerrit.hendriks",
                        "Helemaal mee eens. Vooral bij wisselende inkomsten gaat het vaak mis.",
                    ),
                ),
            ),
        ),
        reactions=_r("bulb", "hanneke.mulder", "murat.celik") + _r("thumbsup", "nadia.haddou"),
    ),
    DemoPost(
        circle="Maatschappelijk werkers",
        author="femke.willems",
        body=(
            "Rond de toetsweken krijgen we op school veel meer aanmeldingen met stressklachten. Heeft iemand "
            "ervaring met een groepsbijeenkomst voor ouders?"
        ),
        days_ago=14,
        comments=(
            DemoComment(
                "priya.jagesar",
                "Ja! Vorig jaar deed ik met de GGD een ouderavond in Geldermalsen. Ik stuur je het draaiboek.",
                replies=(DemoComment("femke.willems", "Super, dank je wel!"),),
                reactions=_r("thumbsup", "femke.willems", "hanneke.mulder"),
            ),
        ),
        reactions=_r("thumbsup", "annemiek.vanrijn", "sanne.kuipers"),
    ),
    # Buurtcoaches
    DemoPost(
        circle="Buurtcoaches",
        author="anna.devries",
        body="Weet iemand of de voedselbank in Culemborg ook buiten werktijd uitdeelt? Ik heb een bewoner die "
        "doordeweeks overdag werkt.",
        days_ago=0,
        hours_ago=2,
        comments=(
            DemoComment(
                "esra.yildiz",
                "Alleen op vrijdag, maar er is een ophaalmoment om 17.00 uur voor mensen die werken. Bel ze even van "
                "tevoren.",
                replies=(DemoComment("anna.devries", "Top, dank je!"),),
                reactions=_r("pray", "anna.devries"),
            ),
            DemoComment("youssef.bouzid", "En de buurtkast bij Het Oude Weeshuis is altijd open, ook in het weekend."),
        ),
        reactions=_r("thumbsup", "anouk.peters"),
    ),
    DemoPost(
        circle="Buurtcoaches",
        author="tim.vanleeuwen",
        body=(
            "Vandaag 142 kilometer gereden voor vier huisbezoeken. Wie heeft ideeën om in de dorpen rond "
            "Geldermalsen een vast spreekuur te houden, bijvoorbeeld in het dorpshuis?"
        ),
        days_ago=7,
        hours_ago=5,
        comments=(
            DemoComment(
                "marloes.degraaf",
                "Laten we dit meenemen in het teamoverleg. Ruud kent de dorpshuisbesturen goed, ik vraag hem erbij.",
                reactions=_r("thumbsup", "tim.vanleeuwen", "daan.schouten"),
            ),
            DemoComment(
                "daan.schouten",
                "Ik denk graag mee! Op mijn stageadres in de Achterhoek werkte dat heel goed.",
                replies=(DemoComment("tim.vanleeuwen", "Mooi, laten we volgende week samen een opzetje maken."),),
            ),
            DemoComment("pieter.smit", "In Oost doen we dit al in twee buurthuizen. Ik stuur je onze afspraken."),
        ),
        reactions=_r("bulb", "lotte.hermans", "esra.yildiz", "nadia.haddou") + _r("laugh", "shanti.ramdin"),
    ),
    DemoPost(
        circle="Buurtcoaches",
        author="shanti.ramdin",
        body=(
            "Een jonge moeder vroeg me vandaag wat ze moet doen met een brief over het terugbetalen van "
            "kinderopvangtoeslag. Wie is hier goed in thuis? @nadia.haddou misschien?"
        ),
        days_ago=17,
        comments=(
            DemoComment(
                "nadia.haddou",
                "Stuur haar maar door! Eerst kijken of de terugvordering klopt, en dan meteen een betalingsregeling "
                "aanvragen.",
                replies=(DemoComment("shanti.ramdin", "Dank je, ik plan een gesprek met jullie samen."),),
                reactions=_r("pray", "shanti.ramdin"),
            ),
        ),
        reactions=_r("thumbsup", "fatima.elamrani", "sanne.kuipers"),
    ),
    # Schuldhulp en armoede
    DemoPost(
        circle="Schuldhulp en armoede",
        author="wendy.smits",
        body=(
            "Het **noodfonds** van de gemeente Tiel is weer open, voor huishoudens met een inkomen tot 130% van het "
            "sociaal minimum. Aanvragen kan via [deze pagina](https://example.org/noodfonds); wij helpen graag bij "
            "het invullen."
        ),
        days_ago=3,
        hours_ago=8,
        comments=(
            DemoComment(
                "lotte.hermans",
                "Moeten mensen hun bankafschriften meesturen?",
                replies=(DemoComment("wendy.smits", "Ja, van de laatste drie maanden. Een foto met de telefoon mag."),),
            ),
            DemoComment(
                "gerrit.hendriks",
                "Goed dat het er weer is. Vorig jaar was het potje in zes weken leeg, dus niet te lang wachten.",
                reactions=_r("thumbsup", "wendy.smits", "anna.devries"),
            ),
        ),
        reactions=_r("thumbsup", "michiel.bakker", "nadia.haddou", "johan.post") + _r("bulb", "anna.devries"),
    ),
    DemoPost(
        circle="Schuldhulp en armoede",
        author="marcel.timmermans",
        body=(
            "Uit eigen ervaring: de eerste brief van schuldhulp is vaak het moment waarop mensen afhaken. Zullen we "
            "samen onze standaardbrieven eens doorlopen? Ik lees graag mee."
        ),
        days_ago=19,
        comments=(
            DemoComment(
                "wendy.smits",
                "Heel graag, Marcel! Ik stuur je de brieven.",
                reactions=_r("heart", "marcel.timmermans"),
            ),
            DemoComment(
                "ramon.doelwijt",
                "Ik doe mee. Minder moeilijke woorden, meer 'we gaan je helpen'.",
                replies=(DemoComment("marcel.timmermans", "Precies dat. Zullen we volgende week een uurtje zitten?"),),
            ),
        ),
        reactions=_r("heart", "michiel.bakker", "johan.post", "lotte.hermans") + _r("bulb", "gerrit.hendriks"),
    ),
    # Intervisie jongerencoaches (closed)
    DemoPost(
        circle="Intervisie jongerencoaches",
        author="samira.benali",
        body=(
            "De volgende intervisie is dinsdag om 15.00 uur in Zaltbommel. @kim.vandermeer brengt een casus in over "
            "een jongere die zich online erg somber uit; lees vooraf even het stappenplan door."
        ),
        days_ago=4,
        comments=(
            DemoComment(
                "tom.brouwer",
                "Ik neem koffie mee, want de automaat in Zaltbommel is de slechtste van Rivierenland.",
                reactions=_r("laugh", "kim.vandermeer", "emre.dogan", "lisa.vanbeek"),
            ),
            DemoComment(
                "kim.vandermeer",
                "Dank, Samira. Ik zet mijn vragen vooraf hier in de kring.",
                replies=(DemoComment("samira.benali", "Fijn, dan kan iedereen zich voorbereiden."),),
            ),
        ),
        reactions=_r("thumbsup", "emre.dogan", "lisa.vanbeek"),
    ),
    # Vertrouwenspersonen (secret)
    DemoPost(
        circle="Vertrouwenspersonen",
        author="gerrit.hendriks",
        body=(
            "Afstemming: we hadden dit kwartaal drie gesprekken, namen doen hier niet ter zake. Zullen we in het MT "
            "eens uitleggen wat een vertrouwenspersoon wel en niet doet? Collega's kennen het verschil met "
            "personeelszaken niet altijd."
        ),
        days_ago=8,
        hours_ago=3,
        comments=(
            DemoComment(
                "shanti.ramdin",
                "Goed idee. Ik maak een korte presentatie; @murat.celik, wil jij het stuk over geheimhouding doen?",
                replies=(
                    DemoComment("murat.celik", "Doe ik. Zullen we ook een spreekuur in De Kruidentuin aanbieden?"),
                ),
            ),
        ),
        reactions=_r("thumbsup", "shanti.ramdin", "murat.celik"),
    ),
    # Recepten
    DemoPost(
        circle="Recepten",
        author="lina.khalil",
        body=(
            "**Muhammara**, Syrische paprikadip voor zes personen:\n\n"
            "- 3 geroosterde rode paprika's\n"
            "- 100 g walnoten en 3 el paneermeel\n"
            "- 2 el granaatappelmelasse, 1 teentje knoflook, komijn en chilivlokken\n\n"
            "Alles in de blender tot het nog een beetje grof is, met een flinke scheut olijfolie erover. Lekker met "
            "warm platbrood!"
        ),
        days_ago=5,
        comments=(
            DemoComment(
                "ahmad.alhassan",
                "Precies zoals mijn moeder hem maakt. Alleen doet zij er nog een beetje citroensap bij.",
                reactions=_r("heart", "lina.khalil"),
            ),
            DemoComment(
                "henk.jansen",
                "Zaterdag gemaakt. De kleinkinderen vonden hem te pittig, ik niet.",
                replies=(
                    DemoComment("lina.khalil", "Dan de volgende keer minder chilivlokken voor de kleinkinderen 😉"),
                ),
                reactions=_r("laugh", "ingrid.bos", "gerda.huisman", "eva.groen"),
            ),
        ),
        reactions=_r("heart", "ingrid.bos", "fatima.elamrani", "priya.jagesar", "hatice.ozturk")
        + _r("thumbsup", "anna.devries", "marieke.vandam"),
    ),
    DemoPost(
        circle="Recepten",
        author="shanti.ramdin",
        body=(
            "**Roti met kip** is een middag werk, maar dan heb je ook wat. Mijn tip: laat de masala een nacht in "
            "de kip trekken en kook de aardappels apart, dan vallen ze niet uit elkaar. @jayden.pinas, jij zou "
            "de kousenband meenemen voor het zomerfeest?"
        ),
        days_ago=12,
        hours_ago=4,
        comments=(
            DemoComment(
                "jayden.pinas",
                "Geregeld! Mijn oma zegt trouwens dat er ook een ei in hoort.",
                replies=(DemoComment("shanti.ramdin", "Je oma heeft gelijk. Altijd luisteren naar oma."),),
                reactions=_r("laugh", "shanti.ramdin", "priya.jagesar"),
            ),
            DemoComment("anna.devries", "Ik heb het nog nooit zelf gemaakt. Mag ik een keer komen kijken?"),
        ),
        reactions=_r("heart", "priya.jagesar", "ingrid.bos", "gerda.huisman") + _r("thumbsup", "henk.jansen"),
    ),
    DemoPost(
        circle="Recepten",
        author="marieke.vandam",
        body=(
            "Voor de koffieochtend in Culemborg bakte ik **appelkruimeltaart** met Betuwse goudreinetten. Het geheim: "
            "een handje havermout door de kruimel en een snufje kaneel. Hij was binnen tien minuten op."
        ),
        days_ago=21,
        comments=(
            DemoComment(
                "gerda.huisman",
                "Mag ik er een bestellen voor de studiedag? Grapje. Half grapje.",
                reactions=_r("laugh", "marieke.vandam", "eva.groen"),
            ),
            DemoComment(
                "hatice.ozturk",
                "Hoe lang moet hij in de oven?",
                replies=(DemoComment("marieke.vandam", "Een uur op 175 graden, en daarna nog even laten afkoelen."),),
            ),
        ),
        reactions=_r("heart", "ingrid.bos", "anna.devries", "lina.khalil"),
    ),
    # Hardlopen
    DemoPost(
        circle="Hardlopen",
        author="tom.brouwer",
        body=(
            "Donderdag lopen we weer: verzamelen om 18.00 uur bij de Waalkade in Tiel. Er zijn twee groepen, 5 en "
            "8 kilometer, over de dijk en terug langs de Linge."
        ),
        days_ago=1,
        hours_ago=6,
        comments=(
            DemoComment("anna.devries", "Ik doe de 5 kilometer!"),
            DemoComment(
                "yonas.haile",
                "Ik ook, maar wel langzaam.",
                replies=(
                    DemoComment("tom.brouwer", "Langzaam bestaat niet, we lopen in groepjes en wachten op elkaar."),
                ),
                reactions=_r("heart", "femke.willems"),
            ),
        ),
        reactions=_r("thumbsup", "daan.schouten", "martijn.vanes", "rik.hoekstra", "marloes.degraaf"),
    ),
    DemoPost(
        circle="Hardlopen",
        author="daan.schouten",
        body=(
            "Voor het eerst 10 kilometer gehaald zonder te wandelen! Dank voor het aanmoedigen donderdag, vooral "
            "@kim.vandermeer die de laatste kilometer naast me bleef lopen."
        ),
        days_ago=24,
        comments=(
            DemoComment(
                "kim.vandermeer",
                "Je deed het helemaal zelf, Daan. Op naar de Bloesemloop!",
                reactions=_r("heart", "daan.schouten"),
            ),
            DemoComment("youssef.bouzid", "Sterk! Volgend jaar de halve marathon?"),
        ),
        reactions=_r("tada", "tom.brouwer", "anna.devries", "marloes.degraaf", "youssef.bouzid", "yonas.haile"),
    ),
)


# --- Invariants ----------------------------------------------------------------------------------------------------

_MENTION_RE = re.compile(r"@([a-z0-9._-]+)")


def check() -> None:
    """Assert the invariants the demo seeder relies on."""
    people = {p.local: p for p in demo_data.PEOPLE}
    circles = {c.name: c for c in demo_data.CIRCLES}
    everyone = frozenset(people)

    def check_body(body: str, where: str) -> None:
        assert body.strip(), f"{where}: empty body"
        for local in _MENTION_RE.findall(body):
            assert local in people, f"{where}: @{local} is not a demo colleague"

    def check_reactions(reactions: tuple[tuple[str, str], ...], allowed: frozenset[str], where: str) -> None:
        assert len(set(reactions)) == len(reactions), f"{where}: duplicate reaction"
        for person, reaction in reactions:
            assert reaction in REACTIONS, (where, reaction)
            assert person in allowed, (where, person)

    def check_comments(comments: tuple[DemoComment, ...], allowed: frozenset[str], where: str) -> None:
        for comment in comments:
            assert comment.author in allowed, (where, comment.author)
            check_body(comment.body, where)
            check_reactions(comment.reactions, allowed, where)
            for reply in comment.replies:
                assert not reply.replies, f"{where}: a reply has replies"
                assert reply.author in allowed, (where, reply.author)
                check_body(reply.body, where)
                check_reactions(reply.reactions, allowed, where)

    # News.
    assert len(NEWS) == 6, len(NEWS)
    assert len({n.title for n in NEWS}) == len(NEWS), "duplicate news title"
    for news in NEWS:
        where = f"news {news.title!r}"
        assert news.author in people, (where, news.author)
        assert people[news.author].role == "editor", (where, news.author)
        assert news.title.strip(), where
        assert news.lead.strip(), where
        assert "\n" not in news.lead, where
        check_body(news.body, where)
        assert 0 <= news.days_ago <= 30, (where, news.days_ago)
        assert news.featured_days >= 0, (where, news.featured_days)
        check_comments(news.comments, everyone, where)
        check_reactions(news.reactions, everyone, where)
    must_read = [n for n in NEWS if n.must_read]
    assert len(must_read) == 1
    assert must_read[0].featured_days >= 14

    # Blog.
    assert len(BLOG) == 3, len(BLOG)
    for post in BLOG:
        where = f"blog {post.title!r}"
        assert post.author in people, (where, post.author)
        assert "Directeur" in people[post.author].job_title, (where, post.author)
        assert post.title.strip(), where
        check_body(post.body, where)
        assert 0 <= post.days_ago <= 30, (where, post.days_ago)
        check_comments(post.comments, everyone, where)
        check_reactions(post.reactions, everyone, where)

    # Circle posts.
    assert 20 <= len(POSTS) <= 30, len(POSTS)
    for i, item in enumerate(POSTS):
        where = f"post {i} in {item.circle!r}"
        assert item.circle in circles, where
        circle = circles[item.circle]
        members = frozenset(circle.admins + circle.members)
        assert item.author in members, (where, item.author)
        check_body(item.body, where)
        assert 0 <= item.days_ago <= 30, (where, item.days_ago)
        assert 0 <= item.hours_ago <= 23, (where, item.hours_ago)
        check_comments(item.comments, members, where)
        check_reactions(item.reactions, members, where)
    posted_in = {p.circle for p in POSTS}
    assert any(circles[name].visibility == "secret" for name in posted_in), "no post in the secret circle"
    assert any(circles[name].visibility == "closed" for name in posted_in), "no post in a closed circle"
