"""Stop-words per language (en, de, fr, ru, tr, ar, es, fa), with the "must/should/can" verbs."""

# ruff: noqa: RUF001  (Cyrillic and Turkish letters are meant, not look-alikes)

from __future__ import annotations

__all__ = ["STOP_WORDS", "stop_words"]

_WORDS = {
    "en": """a about after all also an and any are as at be been before being both but by can
        could did do does during each every for from had has have he her his how i if in into is
        it its itself let may more most must my never no not now of on once only or other our out
        over own same she should so some such than that the their them then there these they this
        those through to too under until up us very was we were what when where which while who
        whom why will with within without would you your able allowed make made get first
        go goes went need needs one two""",
    "de": """aber alle allen aller alles als also am an auch auf aus bei bin bis bleiben bleibt
        da damit dann das dass dem den denen der des die dies diese diesem diesen dieser doch dort
        du durch ein eine einem einen einer eines er es für gegen haben hat hatte hier ihm ihn ihr
        ihre ihren im in ist jede jedem jeden jeder jedes kann keine können mehr mit muss müssen
        nach nicht noch nur oder ohne sein seine sich sie sind so soll sollen sollte sollten
        über um und uns unter vom von vor war waren was weil welche wenn werden wird wie wir zu
        zum zur zwischen dürfen darf niemals immer erst zuerst ihrer""",
    "fr": """à au aux avec avant ce ces cette chaque chez dans de des doit doivent devrait
        devraient du elle en est et être été eux il ils je la le les leur leurs lui mais me même
        mes ne ni nos notre nous on ou où par pas pendant peut peuvent plus pour pouvoir qu que
        qui sa sans se ses son sont sous sur ta toute toutes tous tout un une vos votre vous y
        jamais l d s n qu c fait faire doit afin lors ont""",
    "ru": """а без более бы был была были было быть в вам вас весь во вот все всех всё где да
        для до его ее её если есть еще ещё же за и из или им их к как когда кто ли либо мне может
        мы на над не него нее нет ни них но ну о об однако он она они оно от по под после при с
        со так также такой там те тем то того тоже той только том ты у уже чем что чтобы эта эти
        это этот я должен должна должно должны следует нужно нужна можно никогда
        любых любой всем необходимо будет будут будем""",
    "tr": """ve veya ile bir bu şu o da de için gibi ama fakat her hiç daha çok en mi mı mu mü
        ne olarak olan olmalı olmalıdır edilmelidir gerekir gerek tüm bütün kadar sonra önce
        asla ise ki ya diye hiçbir""",
    "ar": """في من إلى على عن مع أن إن أو و ثم هذا هذه ذلك تلك التي الذي الذين كل قد لا لم لن ما
        هو هي هم كان يجب ينبغي يمكن أي بعد قبل حتى عند بين دون خلال جميع أبدا ألا يكون تكون
        يكونوا يتمكن تتمكن يتم تتم ليشمل لتشمل يبقى تبقى وأن بأن لأن لكي كي ليس ليست غير سوى
        أيضا فقط عليه عليها فيه فيها منه منها أنه أنها إنه إنها""",
    "es": """a al algo algún alguna algunas alguno algunos ante antes como con contra cual cuando
        de del desde donde durante e el ella ellas ello ellos en entre era es esa esas ese eso
        esos esta estas este esto estos fue ha han hasta hay la las le les lo los más mas me mi
        mis muy nada ni no nos nuestra nuestro o os otra otras otro otros para pero por porque
        que quien se sea ser si sin sino sobre su sus también tanto te toda todas todo todos tu
        un una uno unos y ya debe deben debería deberían puede pueden podría podrían hay haya
        nunca siempre cada mismo misma según tras ya""",
    "fa": """و در به از که این آن با برای را تا یا هم نیز اما بر هر همه باید نباید می نمی است
        هست نیست شود نشود شوند کند کنند کرد کرده بود باشد باشند دارد دارند خواهد یک هیچ
        پس پیش بین توسط طبق تواند توانند بتوانند ها های ای اند یابد یابند گردد گردند شده
        شدن گیرد گیرند دهد دهند او ما شما آنها خود""",
}

STOP_WORDS: dict[str, frozenset[str]] = {
    tag: frozenset(words.split()) for tag, words in _WORDS.items()
}


def stop_words(tag: str) -> frozenset[str]:
    """Return the stop-words of language ``tag`` (empty for a language parley has no list for)."""
    return STOP_WORDS.get(tag, frozenset())
