"""Small made-up news texts for the dedup tests."""

HARBOUR = """Port authority approves harbour expansion

The port authority on Tuesday approved a plan to deepen the northern harbour channel and build two new container berths, a project its board valued at 410 million euros.
Work on the channel is due to start next spring and should take about three years, the authority's chairman told reporters after the vote. Dredging will be done in stages so that ferry traffic can continue.
Local fishing groups had opposed the plan, saying the dredging would disturb spawning grounds near the breakwater. The board added a condition that no dredging take place between March and June.
The expansion is expected to raise the port's annual capacity by roughly a third. Shipping companies have complained for years that the largest vessels must wait offshore for high tide before they can enter.
Regional officials said the project would create around 600 construction jobs and several hundred permanent positions once the berths open."""

FLOOD = """River levels fall as flood warnings are lifted

Water levels on the lower river dropped overnight, allowing emergency services to lift flood warnings for eleven villages that had been on alert since the weekend.
Engineers will inspect the embankments over the coming days, the regional water board said, after several sections were found to be leaking on Sunday. Sandbag walls will stay in place until the inspections are done.
Around 300 residents who left their homes as a precaution were allowed to return on Wednesday morning. Schools in two of the villages will reopen on Thursday.
Farmers in the valley said heavy rain in the past month had already ruined part of the potato harvest, and they asked the government for emergency aid.
Forecasters expect drier weather for the rest of the week, though more rain is possible early next week."""

TRAINS = """Rail operator orders forty new regional trains

The state rail operator has ordered forty battery-powered regional trains to replace diesel units on lines that are not electrified, the company said on Friday.
The contract, worth about 520 million euros, includes maintenance for fifteen years. The first trains should enter service in 2028 on the coastal line, where passengers have long complained about old carriages.
The operator said the battery trains can run up to 120 kilometres without a charge and will be recharged under existing overhead wires at the larger stations.
Unions welcomed the order but warned that the operator still lacks drivers, and that new trains alone would not end the cancellations seen this winter.
The transport minister called the purchase an important step towards removing diesel trains from the network by the end of the next decade."""

MUSEUM = """City museum reopens after four-year renovation

The city museum reopened its doors on Saturday after a renovation that took four years and cost more than expected, with long queues forming before the morning opening.
The work added a new wing for temporary exhibitions, restored the painted ceiling of the main hall and made every floor accessible to wheelchair users for the first time.
The director said the museum would stay open late on Thursdays and that entry would be free for children and students during the first month.
Costs rose from an original estimate of 38 million euros to almost 55 million, mainly because of damp found in the foundations, the city council said.
The opening exhibition brings together maps and drawings of the old town, many of them shown to the public for the first time."""

ARTICLES = [HARBOUR, FLOOD, TRAINS, MUSEUM]

# Navigation and footer of one site, shared by every article it publishes.
SITE_HEADER = """Home | News | Region | Business | Sport | Culture | Weather | Contact
Subscribe to our newsletter and get the morning briefing in your inbox every day.
Breaking: follow our live coverage of the regional elections."""
SITE_FOOTER = """Share this article on social media. Comments are closed for this story.
Most read: council budget vote, new cycle lanes, summer festival line-up announced.
Copyright Valley Daily Media Group. All rights reserved. Terms of use, privacy policy and cookie settings.
Advertise with us. Jobs. About the newsroom. Corrections and clarifications."""

OTHER_HEADER = """Menu  Search  Sign in
WORLD WIRE  latest headlines from our partners"""
OTHER_FOOTER = """This story was provided by a partner agency. (c) World Wire Syndication. Related stories: markets close higher; storm season outlook."""


def on_site(article: str) -> str:
    return f"{SITE_HEADER}\n\n{article}\n\n{SITE_FOOTER}"


def syndicated(article: str, keep: float = 0.7) -> str:
    """Another site's copy: new headline, its boilerplate, typographic quotes and dashes, cut short."""
    lines = article.split("\n")
    body = lines[2:]
    body = body[: max(1, round(len(body) * keep))]
    text = "\n".join(body).replace("'", "\u2019").replace(" - ", " \u2014 ")
    return f"{OTHER_HEADER}\n\nREGION: {lines[0].upper()} \u2013 REPORT\n\n{text}\n\n{OTHER_FOOTER}"


def ocr_noise(article: str, rate: float = 0.1, seed: int = 5) -> str:
    """The article as a poor OCR scan reads it: about ``rate`` of the words
    have one letter misread, so most word pairs change but most letters stay."""
    import random

    rng = random.Random(seed)
    confusions = {"e": "c", "o": "0", "l": "1", "i": "l", "a": "o", "n": "m", "s": "5", "t": "f"}
    words = []
    for word in article.split(" "):
        spots = [k for k, c in enumerate(word) if c in confusions]
        if spots and rng.random() < rate:
            k = rng.choice(spots)
            word = word[:k] + confusions[word[k]] + word[k + 1:]
        words.append(word)
    return " ".join(words)
