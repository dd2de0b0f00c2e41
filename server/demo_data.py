"""The demo organisation that `python -m server seed-demo` creates.

Welzijn Rivierenland is a fictitious Dutch welfare organisation. Pure data, no project imports. Every person, team
and location is made up; any resemblance to real people is coincidental. Call `check()` to verify the invariants the
seeder relies on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DEMO_DOMAIN = "rivierenland.example"  # e-mail addresses are <local>@rivierenland.example
DEMO_PASSWORD = "welkom-bij-kring"  # every demo account's password (printed by make run)

ROLES: tuple[str, ...] = ("member", "editor", "admin")
CIRCLE_KINDS: tuple[str, ...] = ("knowledge", "team", "interest")
CIRCLE_VISIBILITIES: tuple[str, ...] = ("open", "closed", "secret")

TEAMS: tuple[str, ...] = (
    "Buurtteam Centrum",
    "Buurtteam Oost",
    "Buurtteam Zuid",
    "Jongerenwerk",
    "Maatschappelijk werk",
    "Cliëntondersteuning",
    "Statushouders",
    "Staf en ondersteuning",
)

LOCATIONS: tuple[str, ...] = (
    "Tiel – Stationsstraat",
    "Culemborg – Het Oude Weeshuis",
    "Geldermalsen – Buurthuis De Linde",
    "Zaltbommel – Wijkcentrum De Poort",
)

_TIEL, _CULEMBORG, _GELDERMALSEN, _ZALTBOMMEL = LOCATIONS


@dataclass(frozen=True)
class DemoPerson:
    local: str  # e-mail local part, lowercase ascii, e.g. "anna.devries"
    name: str  # "Anna de Vries"
    job_title: str  # e.g. "Buurtcoach"
    team: str  # one of TEAMS
    location: str  # one of LOCATIONS
    bio: str  # 1–2 sentences
    skills: tuple[str, ...]  # 1–4 "vraag me over" topics
    role: str = "member"  # "member", "editor" (may publish news) or "admin"


PEOPLE: tuple[DemoPerson, ...] = (
    # --- Buurtteam Centrum (Tiel) -------------------------------------------------------------------------------
    DemoPerson(
        local="anna.devries",
        name="Anna de Vries",
        job_title="Buurtcoach",
        team="Buurtteam Centrum",
        location=_TIEL,
        bio=(
            "Ik ben buurtcoach in Tiel-Centrum en ken de meeste portiekflats rond de Stationsstraat van binnen. "
            "Twijfel je waar een bewoner het beste terechtkan? Bel me gerust even."
        ),
        skills=("Sociale kaart Tiel", "Keukentafelgesprekken", "Wmo-aanvragen"),
    ),
    DemoPerson(
        local="mark.vandenberg",
        name="Mark van den Berg",
        job_title="Teamleider",
        team="Buurtteam Centrum",
        location=_TIEL,
        bio=(
            "Teamleider van Buurtteam Centrum sinds 2019. Daarvoor was ik twaalf jaar maatschappelijk werker, "
            "dus ik weet hoe het werk aan de voorkant voelt."
        ),
        skills=("Casusoverleg", "Roosters en bezetting"),
    ),
    DemoPerson(
        local="fatima.elamrani",
        name="Fatima El Amrani",
        job_title="Buurtcoach",
        team="Buurtteam Centrum",
        location=_TIEL,
        bio=(
            "Fatima werkt als buurtcoach in de Binnenstad en het Hoornwerk. Ze spreekt Arabisch en Tarifit en is "
            "vaak de brug naar gezinnen die de weg naar hulp nog niet kennen."
        ),
        skills=("Gezinnen met een migratieachtergrond", "Arabisch en Tarifit", "Opvoedvragen"),
    ),
    DemoPerson(
        local="joost.verhoeven",
        name="Joost Verhoeven",
        job_title="Opbouwwerker",
        team="Buurtteam Centrum",
        location=_TIEL,
        bio=(
            "Ik help bewoners hun eigen plannen waar te maken, van een moestuin achter de flat tot een "
            "straatfeest. Zo min mogelijk vergaderen, zo veel mogelijk doen."
        ),
        skills=("Bewonersinitiatieven", "Buurtbudget", "Subsidie leefbaarheid"),
    ),
    DemoPerson(
        local="ingrid.bos",
        name="Ingrid Bos",
        job_title="Welzijnscoach ouderen",
        team="Buurtteam Centrum",
        location=_TIEL,
        bio=(
            "Ingrid bezoekt ouderen die vereenzamen of net hun partner hebben verloren. Daarnaast coördineert ze de "
            "vrijwilligers van de maatjesprojecten in Tiel."
        ),
        skills=("Eenzaamheid", "Maatjesprojecten", "Vrijwilligers"),
    ),
    DemoPerson(
        local="sanne.kuipers",
        name="Sanne Kuipers",
        job_title="Buurtcoach",
        team="Buurtteam Centrum",
        location=_TIEL,
        bio=(
            "Ik begon hier als stagiair en ben nooit meer weggegaan. In het team ben ik het aanspreekpunt voor de "
            "meldcode huiselijk geweld."
        ),
        skills=("Meldcode huiselijk geweld", "Veilig Thuis"),
    ),
    DemoPerson(
        local="ramon.doelwijt",
        name="Ramon Doelwijt",
        job_title="Ervaringsdeskundige",
        team="Buurtteam Centrum",
        location=_TIEL,
        bio=(
            "Ramon heeft zelf jarenlang met schulden en verslaving geworsteld en zet die ervaring nu in voor "
            "bewoners die vastlopen. Gewoon aanschuiven en luisteren, dat is zijn kracht."
        ),
        skills=("Herstel en verslaving", "Ervaringsdeskundigheid"),
    ),
    DemoPerson(
        local="lotte.hermans",
        name="Lotte Hermans",
        job_title="Buurtcoach",
        team="Buurtteam Centrum",
        location=_TIEL,
        bio=(
            "Lotte is buurtcoach in Tiel-West en houdt elke dinsdag inloopspreekuur in de bibliotheek. Alles wat "
            "met de Participatiewet te maken heeft, legt ze je haarfijn uit."
        ),
        skills=("Participatiewet", "Inloopspreekuur", "Minimaregelingen"),
    ),
    # --- Buurtteam Oost (Culemborg) -----------------------------------------------------------------------------
    DemoPerson(
        local="pieter.smit",
        name="Pieter Smit",
        job_title="Teamleider",
        team="Buurtteam Oost",
        location=_CULEMBORG,
        bio="Teamleider van Buurtteam Oost. Ik houd van korte lijnen: liever even langslopen dan een lange mail.",
        skills=("Samenwerking gemeente Culemborg", "Casusregie"),
    ),
    DemoPerson(
        local="esra.yildiz",
        name="Esra Yıldız",
        job_title="Buurtcoach",
        team="Buurtteam Oost",
        location=_CULEMBORG,
        bio=(
            "Esra werkt vanuit Het Oude Weeshuis en richt zich vooral op gezinnen in Terweijde. Ze spreekt Turks en "
            "heeft een scherp oog voor wat er achter de voordeur speelt."
        ),
        skills=("Gezinsondersteuning", "Turks", "Wijk Terweijde"),
    ),
    DemoPerson(
        local="bart.meijer",
        name="Bart Meijer",
        job_title="Opbouwwerker",
        team="Buurtteam Oost",
        location=_CULEMBORG,
        bio=(
            "Je vindt me vaker in het buurthuis of op een bankje op het plein dan achter mijn bureau. Samen met "
            "bewoners werk ik aan een wijk waarin mensen naar elkaar omkijken."
        ),
        skills=("Buurtnetwerken", "Bewonersavonden"),
    ),
    DemoPerson(
        local="marieke.vandam",
        name="Marieke van Dam",
        job_title="Welzijnscoach ouderen",
        team="Buurtteam Oost",
        location=_CULEMBORG,
        bio=(
            "Marieke organiseert in Culemborg de wekelijkse koffieochtenden en het project Langer Thuis. Ze weet "
            "alles van valpreventie en woningaanpassingen."
        ),
        skills=("Valpreventie", "Woningaanpassingen", "Langer Thuis"),
    ),
    DemoPerson(
        local="youssef.bouzid",
        name="Youssef Bouzid",
        job_title="Buurtcoach",
        team="Buurtteam Oost",
        location=_CULEMBORG,
        bio=(
            "Youssef kwam van het jongerenwerk en is nu buurtcoach in Culemborg-Oost. Hij onderhoudt de contacten "
            "met de wijkagent en de woningcorporatie."
        ),
        skills=("Buurtbemiddeling", "Overlast", "Samenwerking woningcorporatie"),
    ),
    DemoPerson(
        local="anouk.peters",
        name="Anouk Peters",
        job_title="Buurtcoach",
        team="Buurtteam Oost",
        location=_CULEMBORG,
        bio=(
            "Ik werk drie dagen in het buurtteam en zorg daarnaast voor mijn moeder. Daardoor begrijp ik "
            "mantelzorgers misschien net iets beter."
        ),
        skills=("Mantelzorgondersteuning", "Respijtzorg"),
    ),
    DemoPerson(
        local="gerrit.hendriks",
        name="Gerrit Hendriks",
        job_title="Sociaal werker",
        team="Buurtteam Oost",
        location=_CULEMBORG,
        bio=(
            "Gerrit werkt al ruim dertig jaar in het sociaal werk in de Betuwe en is het wandelende geheugen van de "
            "organisatie. Vraag hem gerust naar vergeten regelingen."
        ),
        skills=("Toeslagen en regelingen", "Sociale kaart Culemborg"),
    ),
    # --- Buurtteam Zuid (Zaltbommel en Geldermalsen) ------------------------------------------------------------
    DemoPerson(
        local="marloes.degraaf",
        name="Marloes de Graaf",
        job_title="Teamleider",
        team="Buurtteam Zuid",
        location=_ZALTBOMMEL,
        bio=(
            "Ik ben teamleider van Buurtteam Zuid, met collega's in Zaltbommel en Geldermalsen. Een goed "
            "voorbereid casusoverleg en een sterke kop koffie maken mij blij."
        ),
        skills=("Casusoverleg", "Verandermanagement"),
    ),
    DemoPerson(
        local="tim.vanleeuwen",
        name="Tim van Leeuwen",
        job_title="Buurtcoach",
        team="Buurtteam Zuid",
        location=_GELDERMALSEN,
        bio=(
            "Tim is buurtcoach in Geldermalsen en de dorpen eromheen. Hij rijdt heel wat kilometers en kent de "
            "boerenerven net zo goed als de nieuwbouwwijken."
        ),
        skills=("Agrarische gezinnen", "Dorpen rond Geldermalsen"),
    ),
    DemoPerson(
        local="nadia.haddou",
        name="Nadia Haddou",
        job_title="Buurtcoach",
        team="Buurtteam Zuid",
        location=_ZALTBOMMEL,
        bio=(
            "Armoede zie je vaak pas als je er echt naar kijkt. Ik help gezinnen in Zaltbommel om de regelingen te "
            "vinden waar ze recht op hebben."
        ),
        skills=("Armoede", "Minimaregelingen", "Kindpakket"),
    ),
    DemoPerson(
        local="ruud.dekker",
        name="Ruud Dekker",
        job_title="Opbouwwerker",
        team="Buurtteam Zuid",
        location=_ZALTBOMMEL,
        bio=(
            "Ruud ondersteunt dorpshuizen en bewonersgroepen in de Bommelerwaard. Hij weet precies bij welk fonds "
            "je moet aankloppen voor een nieuwe keuken in het buurthuis."
        ),
        skills=("Dorpshuizen", "Burgerinitiatieven", "Fondsenwerving"),
    ),
    DemoPerson(
        local="henny.vos",
        name="Henny Vos",
        job_title="Welzijnscoach ouderen",
        team="Buurtteam Zuid",
        location=_GELDERMALSEN,
        bio=(
            "Henny begeleidt ouderen met beginnende dementie en hun naasten. Ze draait ook mee in het Alzheimer Café "
            "in Buurthuis De Linde."
        ),
        skills=("Dementie", "Dagbesteding", "Mantelzorg"),
    ),
    DemoPerson(
        local="shanti.ramdin",
        name="Shanti Ramdin",
        job_title="Buurtcoach",
        team="Buurtteam Zuid",
        location=_ZALTBOMMEL,
        bio=(
            "Ik werk veel met jonge moeders die er alleen voor staan. Naast mijn werk ben ik een van de interne "
            "vertrouwenspersonen."
        ),
        skills=("Jonge moeders", "Opvoedondersteuning"),
    ),
    DemoPerson(
        local="daan.schouten",
        name="Daan Schouten",
        job_title="Buurtcoach",
        team="Buurtteam Zuid",
        location=_GELDERMALSEN,
        bio=(
            "Daan is de jongste van het team en net afgestudeerd in Social Work. Hij leert elke dag bij en deelt "
            "graag wat hij tegenkomt."
        ),
        skills=("Social Work-opleiding", "Stagebegeleiding"),
    ),
    # --- Jongerenwerk -------------------------------------------------------------------------------------------
    DemoPerson(
        local="jeroen.dejong",
        name="Jeroen de Jong",
        job_title="Teamleider",
        team="Jongerenwerk",
        location=_TIEL,
        bio=(
            "Teamleider jongerenwerk in heel Rivierenland. Ik begon ooit als jongerenwerker achter de bar van een "
            "jongerencentrum en mis dat soms nog steeds."
        ),
        skills=("Jeugdbeleid", "Preventie"),
    ),
    DemoPerson(
        local="samira.benali",
        name="Samira Benali",
        job_title="Jongerencoach",
        team="Jongerenwerk",
        location=_TIEL,
        bio=(
            "Samira leidt de meidengroepen in Tiel en geeft weerbaarheidstrainingen op middelbare scholen. Ze "
            "begeleidt ook de intervisie van de jongerencoaches."
        ),
        skills=("Meidenwerk", "Weerbaarheid", "Intervisie"),
    ),
    DemoPerson(
        local="dennis.kok",
        name="Dennis Kok",
        job_title="Jongerenwerker",
        team="Jongerenwerk",
        location=_CULEMBORG,
        bio=(
            "Ik werk vooral op straat: bij de skatebaan, op pleintjes en 's avonds bij het station. Daar ontmoet je "
            "de jongeren die nooit zelf een afspraak zouden maken."
        ),
        skills=("Ambulant jongerenwerk", "Hangplekken"),
    ),
    DemoPerson(
        local="emre.dogan",
        name="Emre Doğan",
        job_title="Jongerencoach",
        team="Jongerenwerk",
        location=_CULEMBORG,
        bio=(
            "Emre helpt jongeren die dreigen uit te vallen op school weer op weg, samen met leerplicht en het mbo. "
            "Een stageplek regelen is zijn specialiteit."
        ),
        skills=("Schooluitval", "Stage en werk", "Leerplicht"),
    ),
    DemoPerson(
        local="kim.vandermeer",
        name="Kim van der Meer",
        job_title="Jongerencoach",
        team="Jongerenwerk",
        location=_ZALTBOMMEL,
        bio=(
            "Ik praat met jongeren over somberheid, stress en alles wat er op hun telefoon gebeurt. Ik ben "
            "aandachtsfunctionaris mentale gezondheid binnen het jongerenwerk."
        ),
        skills=("Mentale gezondheid jongeren", "Sociale media", "Online pesten"),
    ),
    DemoPerson(
        local="jayden.pinas",
        name="Jayden Pinas",
        job_title="Jongerenwerker",
        team="Jongerenwerk",
        location=_TIEL,
        bio=(
            "Jayden runt de muziekstudio in het jongerencentrum. Via beats en teksten komen de echte gesprekken "
            "vaak vanzelf op gang."
        ),
        skills=("Muziekstudio", "Talentontwikkeling"),
    ),
    DemoPerson(
        local="lisa.vanbeek",
        name="Lisa van Beek",
        job_title="Jongerencoach",
        team="Jongerenwerk",
        location=_GELDERMALSEN,
        bio=(
            "Lisa is jongerencoach in Geldermalsen en organiseert voorlichtingsavonden voor ouders over alcohol, "
            "lachgas en vapen."
        ),
        skills=("Middelengebruik", "Ouderavonden"),
    ),
    DemoPerson(
        local="tom.brouwer",
        name="Tom Brouwer",
        job_title="Jongerencoach",
        team="Jongerenwerk",
        location=_TIEL,
        bio=(
            "Sport is voor mij de ingang tot het gesprek: na een potje voetbal vertellen jongeren vaak meer dan in "
            "een spreekkamer. Buiten werktijd loop ik hardlopend de dijken af."
        ),
        skills=("Sport als middel", "Samenwerking buurtsportcoaches"),
    ),
    # --- Maatschappelijk werk -----------------------------------------------------------------------------------
    DemoPerson(
        local="hanneke.mulder",
        name="Hanneke Mulder",
        job_title="Teamleider",
        team="Maatschappelijk werk",
        location=_TIEL,
        bio=(
            "Hanneke is teamleider maatschappelijk werk en bewaakt de kwaliteit van ons vak. Vragen over "
            "registratie in het Registerplein of SKJ? Dan ben je bij haar aan het goede adres."
        ),
        skills=("Kwaliteitsbeleid", "Beroepsregistratie"),
    ),
    DemoPerson(
        local="murat.celik",
        name="Murat Çelik",
        job_title="Maatschappelijk werker",
        team="Maatschappelijk werk",
        location=_TIEL,
        bio=(
            "Ik begeleid stellen en gezinnen bij relatieproblemen en scheidingen, met de kinderen altijd in beeld. "
            "Daarnaast ben ik interne vertrouwenspersoon."
        ),
        skills=("Relatieproblemen", "Scheiding en kinderen"),
    ),
    DemoPerson(
        local="annemiek.vanrijn",
        name="Annemiek van Rijn",
        job_title="Maatschappelijk werker",
        team="Maatschappelijk werk",
        location=_CULEMBORG,
        bio=("Annemiek is gespecialiseerd in rouw en verlies. Ze traint collega's in traumasensitief werken."),
        skills=("Rouw en verlies", "Traumasensitief werken"),
    ),
    DemoPerson(
        local="rachid.elidrissi",
        name="Rachid El Idrissi",
        job_title="Maatschappelijk werker",
        team="Maatschappelijk werk",
        location=_ZALTBOMMEL,
        bio=(
            "Rachid werkt met plegers én slachtoffers van huiselijk geweld. Hij is de vaste contactpersoon van "
            "Veilig Thuis in Zaltbommel."
        ),
        skills=("Huiselijk geweld", "Meldcode", "Plegerhulpverlening"),
    ),
    DemoPerson(
        local="wendy.smits",
        name="Wendy Smits",
        job_title="Schuldhulpverlener",
        team="Maatschappelijk werk",
        location=_TIEL,
        bio=(
            "Een schoenendoos vol ongeopende post schrikt mij niet af. Ik help mensen stap voor stap weer overzicht "
            "te krijgen over hun geldzaken."
        ),
        skills=("Schuldhulp", "Budgetbeheer", "Beschermingsbewind"),
    ),
    DemoPerson(
        local="michiel.bakker",
        name="Michiel Bakker",
        job_title="Schuldhulpverlener",
        team="Maatschappelijk werk",
        location=_GELDERMALSEN,
        bio=(
            "Michiel regelt schuldregelingen en Wsnp-aanvragen en werkt nauw samen met de gemeente aan "
            "vroegsignalering van betalingsachterstanden."
        ),
        skills=("Wsnp", "Vroegsignalering", "Schuldregelingen"),
    ),
    DemoPerson(
        local="priya.jagesar",
        name="Priya Jagesar",
        job_title="Maatschappelijk werker",
        team="Maatschappelijk werk",
        location=_GELDERMALSEN,
        bio=(
            "Ik geef groepstrainingen over omgaan met stress en assertiviteit. Mijn favoriete moment is als "
            "deelnemers elkaar gaan helpen."
        ),
        skills=("Groepstrainingen", "Psycho-educatie"),
    ),
    DemoPerson(
        local="femke.willems",
        name="Femke Willems",
        job_title="Schoolmaatschappelijk werker",
        team="Maatschappelijk werk",
        location=_ZALTBOMMEL,
        bio=(
            "Femke is schoolmaatschappelijk werker op vier basisscholen in Zaltbommel. Ze heeft een zwak voor jonge "
            "mantelzorgers."
        ),
        skills=("Schoolmaatschappelijk werk", "Jonge mantelzorgers"),
    ),
    # --- Cliëntondersteuning ------------------------------------------------------------------------------------
    DemoPerson(
        local="erik.vanderheijden",
        name="Erik van der Heijden",
        job_title="Teamleider",
        team="Cliëntondersteuning",
        location=_CULEMBORG,
        bio=(
            "Erik is teamleider cliëntondersteuning. Hij zorgt ervoor dat onze ondersteuning onafhankelijk blijft "
            "van de gemeente, ook als dat schuurt."
        ),
        skills=("Wmo en Jeugdwet", "Klachtenprocedures"),
    ),
    DemoPerson(
        local="miriam.koster",
        name="Miriam Koster",
        job_title="Cliëntondersteuner",
        team="Cliëntondersteuning",
        location=_TIEL,
        bio=(
            "Ik schuif aan bij het keukentafelgesprek met de gemeente, zodat de inwoner er niet alleen voor staat. "
            "Een goede voorbereiding is het halve werk."
        ),
        skills=("Wmo-aanvragen", "Keukentafelgesprekken"),
    ),
    DemoPerson(
        local="hatice.ozturk",
        name="Hatice Öztürk",
        job_title="Cliëntondersteuner",
        team="Cliëntondersteuning",
        location=_CULEMBORG,
        bio=(
            "Hatice helpt inwoners en hun families met aanvragen voor langdurige zorg. Ze spreekt Turks en legt "
            "ingewikkelde brieven graag in gewone taal uit."
        ),
        skills=("Wlz-indicaties", "Turks"),
    ),
    DemoPerson(
        local="johan.post",
        name="Johan Post",
        job_title="Cliëntondersteuner",
        team="Cliëntondersteuning",
        location=_ZALTBOMMEL,
        bio=(
            "Johan is onze specialist in bezwaarprocedures en persoonsgebonden budgetten. Hij leest een beschikking "
            "sneller dan de meeste mensen een krant."
        ),
        skills=("Bezwaar en beroep", "Persoonsgebonden budget"),
    ),
    DemoPerson(
        local="linda.vanwijk",
        name="Linda van Wijk",
        job_title="Cliëntondersteuner",
        team="Cliëntondersteuning",
        location=_GELDERMALSEN,
        bio=(
            "Ik werk veel met mensen met een licht verstandelijke beperking. Ik help collega's graag om hun brieven "
            "en folders begrijpelijker te maken."
        ),
        skills=("Licht verstandelijke beperking", "Begrijpelijke taal"),
    ),
    DemoPerson(
        local="noor.visser",
        name="Noor Visser",
        job_title="Cliëntondersteuner",
        team="Cliëntondersteuning",
        location=_TIEL,
        bio=(
            "Noor ondersteunt mensen met niet-aangeboren hersenletsel en hun naasten. Ze kent de dagbestedingen in "
            "de regio op haar duimpje."
        ),
        skills=("Niet-aangeboren hersenletsel", "Dagbesteding"),
    ),
    DemoPerson(
        local="marcel.timmermans",
        name="Marcel Timmermans",
        job_title="Ervaringsdeskundige",
        team="Cliëntondersteuning",
        location=_ZALTBOMMEL,
        bio=(
            "Na een burn-out en twee jaar zonder werk weet ik hoe ingewikkeld het is om hulp te vragen. Nu loop ik "
            "mee met inwoners die dat traject net ingaan."
        ),
        skills=("Re-integratie", "Ervaringsdeskundigheid"),
    ),
    # --- Statushouders ------------------------------------------------------------------------------------------
    DemoPerson(
        local="ellen.vandoorn",
        name="Ellen van Doorn",
        job_title="Teamleider",
        team="Statushouders",
        location=_TIEL,
        bio=(
            "Ellen is teamleider van het team Statushouders. Ze stemt met gemeenten en het COA af hoe we nieuwe "
            "inwoners zo goed mogelijk op weg helpen."
        ),
        skills=("Inburgering", "Wet inburgering"),
    ),
    DemoPerson(
        local="senait.tesfay",
        name="Senait Tesfay",
        job_title="Statushoudersbegeleider",
        team="Statushouders",
        location=_CULEMBORG,
        bio=(
            "Ik kwam zelf in 2015 uit Eritrea naar Nederland en begeleid nu gezinnen in hun eerste jaren hier. "
            "Ik spreek Tigrinya en een beetje Arabisch."
        ),
        skills=("Tigrinya", "Gezinshereniging"),
    ),
    DemoPerson(
        local="ahmad.alhassan",
        name="Ahmad Al-Hassan",
        job_title="Statushoudersbegeleider",
        team="Statushouders",
        location=_TIEL,
        bio=(
            "Ahmad was leraar in Aleppo en begeleidt nu nieuwkomers bij huisvesting, zorgverzekering en de eerste "
            "stappen naar werk."
        ),
        skills=("Arabisch", "Huisvesting statushouders", "Zorgverzekering"),
    ),
    DemoPerson(
        local="yonas.haile",
        name="Yonas Haile",
        job_title="Statushoudersbegeleider",
        team="Statushouders",
        location=_ZALTBOMMEL,
        bio=(
            "Yonas koppelt statushouders aan werkgevers in de Bommelerwaard voor een taalstage. Hij gelooft dat je "
            "een taal het snelst leert op de werkvloer."
        ),
        skills=("Taalstages", "Werkgevers Bommelerwaard", "Tigrinya"),
    ),
    DemoPerson(
        local="lina.khalil",
        name="Lina Khalil",
        job_title="Statushoudersbegeleider",
        team="Statushouders",
        location=_GELDERMALSEN,
        bio=(
            "Ik help nieuwkomers met het laten waarderen van hun diploma's en met de weg naar een opleiding. "
            "Veel mensen hebben meer in hun mars dan hun eerste baan laat zien."
        ),
        skills=("Diplomawaardering", "Onderwijs", "Arabisch"),
    ),
    DemoPerson(
        local="jan.vermeulen",
        name="Jan Vermeulen",
        job_title="Vrijwilligerscoördinator",
        team="Statushouders",
        location=_CULEMBORG,
        bio=(
            "Jan coördineert ruim tachtig taalmaatjes in de regio. Ken je iemand die een uur per week over heeft? "
            "Hij hoort het graag."
        ),
        skills=("Taalmaatjes", "Vrijwilligers werven"),
    ),
    # --- Staf en ondersteuning ----------------------------------------------------------------------------------
    DemoPerson(
        local="henk.jansen",
        name="Henk Jansen",
        job_title="Directeur-bestuurder",
        team="Staf en ondersteuning",
        location=_TIEL,
        bio=(
            "Henk is sinds 2017 directeur-bestuurder van Welzijn Rivierenland. Elke maand blogt hij over wat hij "
            "onderweg in de wijken ziet en hoort."
        ),
        skills=("Strategie", "Samenwerking met gemeenten"),
        role="editor",
    ),
    DemoPerson(
        local="eva.groen",
        name="Eva Groen",
        job_title="Communicatieadviseur",
        team="Staf en ondersteuning",
        location=_TIEL,
        bio=(
            "Ik ben de redactie achter het nieuws op Kring. Heb je een mooi verhaal uit je wijk? Stuur het me, dan "
            "maken we er samen een bericht van."
        ),
        skills=("Nieuws op Kring", "Schrijftips", "Huisstijl"),
        role="editor",
    ),
    DemoPerson(
        local="rik.hoekstra",
        name="Rik Hoekstra",
        job_title="Communicatieadviseur",
        team="Staf en ondersteuning",
        location=_CULEMBORG,
        bio=(
            "Rik verzorgt onze sociale media en beantwoordt persvragen. Hij loopt regelmatig met een camera mee in "
            "de wijken."
        ),
        skills=("Sociale media", "Fotografie en video", "Persvragen"),
        role="editor",
    ),
    DemoPerson(
        local="martijn.vanes",
        name="Martijn van Es",
        job_title="Functioneel beheerder",
        team="Staf en ondersteuning",
        location=_TIEL,
        bio=(
            "Martijn beheert Kring en het cliëntregistratiesysteem. Wachtwoord kwijt of een kring die verdwenen "
            "lijkt? Hij zoekt het uit."
        ),
        skills=("Kring", "Accounts en wachtwoorden", "Cliëntregistratie"),
        role="admin",
    ),
    DemoPerson(
        local="monique.prins",
        name="Monique Prins",
        job_title="Medewerker personeelszaken",
        team="Staf en ondersteuning",
        location=_TIEL,
        bio=(
            "Ik ben je eerste aanspreekpunt voor verlof, ziekmelding en alles wat in de cao staat. Nieuwe collega's "
            "krijgen van mij hun welkomstpakket."
        ),
        skills=("Verlof en ziekmelding", "Cao Sociaal Werk", "Onboarding"),
    ),
    DemoPerson(
        local="gerda.huisman",
        name="Gerda Huisman",
        job_title="Office manager",
        team="Staf en ondersteuning",
        location=_TIEL,
        bio=(
            "Gerda zorgt ervoor dat de vier locaties draaien: van vergaderruimtes tot koffiebonen. Zonder haar "
            "staat iedereen binnen een week in het donker."
        ),
        skills=("Vergaderruimtes", "Dienstfietsen", "Bestellingen"),
    ),
    DemoPerson(
        local="orhan.aydin",
        name="Orhan Aydın",
        job_title="Controller",
        team="Staf en ondersteuning",
        location=_TIEL,
        bio=(
            "Ik houd de begroting op orde en schrijf mee aan de subsidieverantwoording voor de gemeenten. Cijfers "
            "vertellen ook een verhaal, als je ze goed leest."
        ),
        skills=("Begroting", "Subsidieverantwoording"),
    ),
    DemoPerson(
        local="ilse.koopman",
        name="Ilse Koopman",
        job_title="Beleidsmedewerker kwaliteit",
        team="Staf en ondersteuning",
        location=_CULEMBORG,
        bio=(
            "Ilse houdt ons kwaliteitskeurmerk op orde en is de privacyfunctionaris van de organisatie. Twijfel je "
            "of je iets mag delen? Vraag het haar."
        ),
        skills=("Privacy en AVG", "Kwaliteitskeurmerk", "Klachtenregeling"),
    ),
    DemoPerson(
        local="bas.vink",
        name="Bas Vink",
        job_title="Medewerker receptie",
        team="Staf en ondersteuning",
        location=_GELDERMALSEN,
        bio=(
            "Bas is het vriendelijke gezicht achter de balie van Buurthuis De Linde. Hij weet altijd wie er in het "
            "gebouw is en waar de sleutels liggen."
        ),
        skills=("Receptie en post", "Sleutelbeheer"),
    ),
)


@dataclass(frozen=True)
class DemoCircle:
    name: str
    description: str  # 1–3 sentences
    color: str  # "#rrggbb" lowercase, distinct, readable on white
    kind: str  # "knowledge", "team" or "interest"
    visibility: str  # "open", "closed" or "secret"
    admins: tuple[str, ...]  # e-mail local parts of PEOPLE (at least one)
    members: tuple[str, ...]  # e-mail local parts of PEOPLE besides the admins


CIRCLES: tuple[DemoCircle, ...] = (
    DemoCircle(
        name="Buurtteam Centrum",
        description=(
            "De teamkring van Buurtteam Centrum in Tiel. Roosters, afspraken uit het teamoverleg en wie er "
            "vandaag op de Stationsstraat zit."
        ),
        color="#0369a1",
        kind="team",
        visibility="closed",
        admins=("mark.vandenberg",),
        members=(
            "anna.devries",
            "fatima.elamrani",
            "joost.verhoeven",
            "ingrid.bos",
            "sanne.kuipers",
            "ramon.doelwijt",
            "lotte.hermans",
        ),
    ),
    DemoCircle(
        name="Jongerenwerk",
        description=(
            "Alles over het jongerenwerk in Rivierenland: activiteiten, vakantieprogramma's en wat er speelt op "
            "straat. Iedereen mag meelezen."
        ),
        color="#c2410c",
        kind="team",
        visibility="open",
        admins=("jeroen.dejong",),
        members=(
            "samira.benali",
            "dennis.kok",
            "emre.dogan",
            "kim.vandermeer",
            "jayden.pinas",
            "lisa.vanbeek",
            "tom.brouwer",
        ),
    ),
    DemoCircle(
        name="Team Statushouders",
        description=(
            "Het team dat nieuwkomers begeleidt bij inburgering, wonen en werk. Hier delen we nieuws over "
            "wetgeving, taalaanbod en mooie successen."
        ),
        color="#0f766e",
        kind="team",
        visibility="open",
        admins=("ellen.vandoorn",),
        members=("senait.tesfay", "ahmad.alhassan", "yonas.haile", "lina.khalil", "jan.vermeulen"),
    ),
    DemoCircle(
        name="Staf en ondersteuning",
        description=(
            "Overleg van directie, communicatie, personeelszaken, financiën en facilitair. Besluiten die voor "
            "iedereen gelden, delen we daarna in het nieuws."
        ),
        color="#4b5563",
        kind="team",
        visibility="closed",
        admins=("monique.prins",),
        members=(
            "henk.jansen",
            "eva.groen",
            "rik.hoekstra",
            "martijn.vanes",
            "gerda.huisman",
            "orhan.aydin",
            "ilse.koopman",
            "bas.vink",
        ),
    ),
    DemoCircle(
        name="Maatschappelijk werkers",
        description=(
            "Vakkring voor iedereen met een maatschappelijk-werkhart, in welk team je ook zit. We delen "
            "geanonimiseerde casuïstiek, methodieken en tips voor je herregistratie."
        ),
        color="#6d28d9",
        kind="knowledge",
        visibility="open",
        admins=("hanneke.mulder", "annemiek.vanrijn"),
        members=(
            "murat.celik",
            "rachid.elidrissi",
            "wendy.smits",
            "michiel.bakker",
            "priya.jagesar",
            "femke.willems",
            "gerrit.hendriks",
            "sanne.kuipers",
            "anouk.peters",
            "nadia.haddou",
        ),
    ),
    DemoCircle(
        name="Buurtcoaches",
        description=(
            "Buurtcoaches uit alle buurtteams leren hier van elkaar. Vragen over de sociale kaart, lastige "
            "situaties of een goede werkwijze? Stel ze hier."
        ),
        color="#15803d",
        kind="knowledge",
        visibility="open",
        admins=("lotte.hermans", "esra.yildiz"),
        members=(
            "anna.devries",
            "fatima.elamrani",
            "sanne.kuipers",
            "youssef.bouzid",
            "anouk.peters",
            "tim.vanleeuwen",
            "nadia.haddou",
            "shanti.ramdin",
            "daan.schouten",
            "mark.vandenberg",
            "pieter.smit",
            "marloes.degraaf",
        ),
    ),
    DemoCircle(
        name="Schuldhulp en armoede",
        description=(
            "Kennis over schulden, minimaregelingen en armoede in de regio. De schuldhulpverleners houden je op de "
            "hoogte van nieuwe regels en drempels."
        ),
        color="#4d7c0f",
        kind="knowledge",
        visibility="open",
        admins=("wendy.smits",),
        members=(
            "michiel.bakker",
            "anna.devries",
            "nadia.haddou",
            "lotte.hermans",
            "ramon.doelwijt",
            "gerrit.hendriks",
            "johan.post",
            "marcel.timmermans",
        ),
    ),
    DemoCircle(
        name="Intervisie jongerencoaches",
        description=(
            "Besloten intervisiegroep van de jongerencoaches. We komen eens per maand bij elkaar; wat hier "
            "gedeeld wordt, blijft binnen de groep."
        ),
        color="#92400e",
        kind="knowledge",
        visibility="closed",
        admins=("samira.benali",),
        members=("emre.dogan", "kim.vandermeer", "lisa.vanbeek", "tom.brouwer"),
    ),
    DemoCircle(
        name="Vertrouwenspersonen",
        description=(
            "Overleg van de interne vertrouwenspersonen. Alleen voor afstemming over werkwijze, nooit met namen."
        ),
        color="#b91c1c",
        kind="team",
        visibility="secret",
        admins=("gerrit.hendriks",),
        members=("shanti.ramdin", "murat.celik"),
    ),
    DemoCircle(
        name="Recepten",
        description=(
            "Wat eten we vanavond? Deel je favoriete recepten, van oma's stamppot tot Surinaamse roti en Syrische "
            "mezze. Foto's van het resultaat zijn verplicht."
        ),
        color="#be185d",
        kind="interest",
        visibility="open",
        admins=("ingrid.bos",),
        members=(
            "anna.devries",
            "henk.jansen",
            "fatima.elamrani",
            "hatice.ozturk",
            "lina.khalil",
            "shanti.ramdin",
            "gerda.huisman",
            "marieke.vandam",
            "jayden.pinas",
            "priya.jagesar",
            "ahmad.alhassan",
            "eva.groen",
        ),
    ),
    DemoCircle(
        name="Hardlopen",
        description=(
            "Samen rennen over de dijken langs de Waal en de Linge. We trainen op donderdagavond en doen elk jaar "
            "mee aan de Betuwse Bloesemloop."
        ),
        color="#1d4ed8",
        kind="interest",
        visibility="open",
        admins=("tom.brouwer",),
        members=(
            "anna.devries",
            "daan.schouten",
            "martijn.vanes",
            "kim.vandermeer",
            "youssef.bouzid",
            "marloes.degraaf",
            "rik.hoekstra",
            "yonas.haile",
            "femke.willems",
        ),
    ),
)


_LOCAL_RE = re.compile(r"^[a-z]+(\.[a-z]+)+$")
_COLOR_RE = re.compile(r"^#[0-9a-f]{6}$")


def _contrast_on_white(color: str) -> float:
    """WCAG contrast ratio of `color` ("#rrggbb") against white."""

    def channel(hex_pair: str) -> float:
        c = int(hex_pair, 16) / 255
        return c / 12.92 if c <= 0.03928 else float(((c + 0.055) / 1.055) ** 2.4)

    r, g, b = (channel(color[i : i + 2]) for i in (1, 3, 5))
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return 1.05 / (luminance + 0.05)


def check() -> None:
    """Assert the invariants the demo seeder relies on."""
    assert len(TEAMS) == len(set(TEAMS))
    assert len(LOCATIONS) == len(set(LOCATIONS))

    # People.
    assert len(PEOPLE) == 60, len(PEOPLE)
    locals_ = [p.local for p in PEOPLE]
    assert len(locals_) == len(set(locals_)), "duplicate local part"
    assert len({p.name for p in PEOPLE}) == len(PEOPLE), "duplicate name"
    for p in PEOPLE:
        assert _LOCAL_RE.match(p.local), p.local
        assert p.name, p.local
        assert p.job_title, p.local
        assert p.bio, p.local
        assert p.team in TEAMS, (p.local, p.team)
        assert p.location in LOCATIONS, (p.local, p.location)
        assert 1 <= len(p.skills) <= 4, p.local
        assert len(set(p.skills)) == len(p.skills), p.local
        assert p.role in ROLES, (p.local, p.role)
    assert {p.team for p in PEOPLE} == set(TEAMS), "every team needs people"
    assert {p.location for p in PEOPLE} == set(LOCATIONS), "every location needs people"

    first = PEOPLE[0]
    assert (first.local, first.name, first.role) == ("anna.devries", "Anna de Vries", "member")
    assert first.job_title == "Buurtcoach"

    directors = [p for p in PEOPLE if p.job_title == "Directeur-bestuurder"]
    assert len(directors) == 1
    assert directors[0].role == "editor"
    comms = [p for p in PEOPLE if p.job_title == "Communicatieadviseur"]
    assert len(comms) == 2
    assert all(p.role == "editor" for p in comms)
    editors = {p.local for p in PEOPLE if p.role == "editor"}
    assert editors == {p.local for p in directors + comms}, editors
    admins = [p for p in PEOPLE if p.role == "admin"]
    assert len(admins) == 1
    assert admins[0].job_title == "Functioneel beheerder"

    # Circles.
    known = set(locals_)
    names = [c.name for c in CIRCLES]
    assert len(names) == len(set(names)), "duplicate circle name"
    colors = [c.color for c in CIRCLES]
    assert len(colors) == len(set(colors)), "duplicate circle colour"
    for c in CIRCLES:
        assert 2 <= len(c.name) <= 80, c.name
        assert c.description, c.name
        assert _COLOR_RE.match(c.color), (c.name, c.color)
        assert _contrast_on_white(c.color) >= 4.5, (c.name, c.color)
        assert c.kind in CIRCLE_KINDS, (c.name, c.kind)
        assert c.visibility in CIRCLE_VISIBILITIES, (c.name, c.visibility)
        assert c.admins, c.name
        everyone = c.admins + c.members
        assert len(everyone) == len(set(everyone)), f"{c.name}: someone listed twice"
        unknown = set(everyone) - known
        assert not unknown, (c.name, unknown)

    by_name = {c.name: c for c in CIRCLES}
    anna = first.local
    anna_circles = [c for c in CIRCLES if anna in c.admins + c.members]
    assert sum(c.visibility == "open" for c in anna_circles) >= 3
    assert all(c.visibility != "secret" for c in anna_circles)
    assert anna not in by_name["Intervisie jongerencoaches"].members + by_name["Intervisie jongerencoaches"].admins
    assert any(c.kind == "team" and c.name == first.team for c in anna_circles)
    secret = [c for c in CIRCLES if c.visibility == "secret"]
    assert len(secret) == 1
    assert len(secret[0].admins + secret[0].members) == 3


# Knowledge pages of the demo organisation: (title, Markdown body, tags). `[[Title]]` links pages.
KNOWLEDGE_PAGES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "Ziek? Zo meld je je",
        "Meld je ziek **voor 8.30 uur** telefonisch bij je leidinggevende, niet per app of mail.\n\n"
        "1. Bel je leidinggevende en zeg hoe lang je denkt weg te zijn.\n"
        "2. Zeg af bij je cliënten, of vraag een collega dat te doen.\n"
        "3. Beter? Meld je weer beter bij je leidinggevende.\n\n"
        "Het volledige protocol staat in het document *Protocol ziekmelding*. Zie ook [[Verlof aanvragen]].",
        ("personeelszaken", "ziekte"),
    ),
    (
        "Verlof aanvragen",
        "Vraag verlof aan bij je leidinggevende, bij voorkeur vier weken vooraf. Hoeveel uur je hebt, staat in "
        "de *Verlofregeling*. Bijzonder verlof (verhuizing, bruiloft, overlijden) vraag je zo snel mogelijk aan.\n\n"
        "Ziek tijdens je vakantie? Volg dan [[Ziek? Zo meld je je]].",
        ("personeelszaken", "regelingen"),
    ),
    (
        "Welkom bij Welzijn Rivierenland",
        "Fijn dat je er bent! Op deze pagina vind je de weg in je eerste weken.\n\n"
        "- Wat doe je als je ziek bent: [[Ziek? Zo meld je je]]\n"
        "- Vrije dagen: [[Verlof aanvragen]]\n"
        "- Op huisbezoek: lees eerst het *Veiligheidsprotocol huisbezoek*.\n\n"
        "Vragen? Kijk bij **Mensen** wie erover te vragen is.",
        ("organisatie", "nieuwe collega's"),
    ),
)
