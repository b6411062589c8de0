"""Small stop-word lists, used only as a measure of how much a line reads like prose.

Running text is full of function words; menus, buttons and captions are not.
The lists are short on purpose: the most frequent function words of each
language carry nearly all of the signal. Chinese has no spaces, so it is
handled by character instead of by word.
"""
from __future__ import annotations

_WORDS = {
    "en": """a an the and or but if of to in on at by for with from as into about over after
        before between under than then so that this these those it its is are was were be been
        being has have had do does did not no nor can could will would shall should may might must
        he she they we you i his her their our your my him them us me who whom which what when
        where why how there here also just only very more most some any all each both such own
        same other up out off again further once too while because until against during through""",
    "de": """der die das den dem des ein eine einen einem einer eines und oder aber wenn weil dass
        nicht kein keine ist sind war waren wird werden wurde wurden hat haben hatte hatten sein
        ich du er sie es wir ihr mich dich sich uns euch ihm ihn ihnen mit von zu zum zur auf an
        in im am aus bei nach vor über unter durch für gegen ohne um auch noch nur schon sehr
        so wie als doch denn dann hier dort was wer wo wann warum welche welcher dieser diese
        dieses man mehr kann können muss müssen soll sollen will wollen""",
    "fr": """le la les un une des du de d l et ou mais donc or ni car que qui quoi dont où ce cet
        cette ces il elle ils elles on nous vous je tu me te se lui leur leurs son sa ses mon ma
        mes ton ta tes notre nos votre vos est sont était étaient être été a ont avait avaient avoir
        fait faire dans sur sous par pour avec sans chez entre vers pas ne plus aussi très bien
        comme si tout tous toute toutes même encore déjà au aux y en""",
    "es": """el la los las un una unos unas y o pero si de del al a en con por para sin sobre entre
        hasta desde que quien cual cuando donde como es son era eran fue fueron ser sido está
        están estaba ha han había haber se su sus le les lo me te nos os mi mis tu tus nuestro
        este esta estos estas ese esa esos esas no ni muy más menos también ya porque cuando
        todo todos toda todas otro otra otros hay""",
    "ru": """и в во не что он на я с со как а то все она так его но да ты к у же вы за бы по
        только ее мне было вот от меня еще нет о из ему теперь когда даже ну вдруг ли если уже
        или ни быть был него до вас нибудь опять уж вам ведь там потом себя ничего ей может они
        тут где есть надо ней для мы тебя их чем была сам чтоб без будто чего раз тоже себе под
        будет ж тогда кто этот того потому этого какой совсем ним здесь этом один почти мой тем
        чтобы нее сейчас были куда зачем всех никогда можно при наконец два об другой хоть после
        над больше тот через эти нас про всего них какая много разве три эту моя впрочем хорошо
        свою этой перед иногда лучше чуть том нельзя такой им более всегда конечно всю между""",
    "it": """il lo la i gli le un uno una e o ma se di a da in con su per tra fra che chi cui non
        è sono era erano essere stato ha hanno aveva avere del della dei delle al alla ai alle
        nel nella nei nelle questo questa questi queste anche più molto come quando dove""",
    "pt": """o a os as um uma uns umas e ou mas se de do da dos das em no na nos nas por para com
        sem sobre entre que quem qual quando onde como é são era eram foi foram ser sido está
        estão tem têm não mais muito também já porque este esta isso isto""",
    "nl": """de het een en of maar als dan van in op aan met voor door naar bij uit over onder
        tegen tussen zonder dat die dit deze wie wat waar wanneer hoe is zijn was waren wordt
        worden werd heeft hebben had niet geen ook nog al er hij zij ze wij we jij je ik u""",
}

STOPWORDS: dict[str, frozenset[str]] = {
    lang: frozenset(words.split()) for lang, words in _WORDS.items()
}

# Frequent Chinese function characters (particles, pronouns, copula, prepositions).
ZH_FUNCTION_CHARS = frozenset("的了是在和有也不就都而及与着或个这那之其被把从对为以于但我你他她它们")

ALL_STOPWORDS = frozenset().union(*STOPWORDS.values())

# Word -> indices of the languages whose list holds it, for a one-pass count.
LANGS = tuple(STOPWORDS)
WORD_LANGS: dict[str, tuple[int, ...]] = {}
for _i, _lang in enumerate(LANGS):
    for _w in STOPWORDS[_lang]:
        WORD_LANGS[_w] = WORD_LANGS.get(_w, ()) + (_i,)
