// Caption generator: sentence templates x synonym verb phrases x style adverbs/adjectives, sampled
// with a generator seeded by the clip name so every import produces the same captions.
#include "io/captions.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <random>
#include <set>

namespace e2m::io {

namespace {

// Verb phrases are written in the base form ("wave both hands"); the templates conjugate the first
// word (third person "waves", participle "waving").
const std::map<std::string, std::vector<std::string>, std::less<>>& content_phrases() {
  static const std::map<std::string, std::vector<std::string>, std::less<>> kPhrases = {
      // Bandai dataset-1
      {"walk",
       {"walk forward", "walk", "walk straight ahead", "stroll forward", "take a few steps forward",
        "walk along"}},
      {"run", {"run forward", "run", "jog forward", "run straight ahead", "run along"}},
      {"dash", {"dash forward", "sprint", "run at full speed", "dash ahead", "sprint forward quickly"}},
      {"walk-back",
       {"walk backward", "step backwards", "walk in reverse", "back away", "walk backwards a few steps"}},
      {"walk-left",
       {"walk to the left", "walk toward the left", "walk leftward", "head off to the left on foot",
        "turn left and walk away"}},
      {"walk-right",
       {"walk to the right", "walk toward the right", "walk rightward", "head off to the right on foot",
        "turn right and walk away"}},
      {"bow",
       {"bow", "bow politely", "take a bow", "bend forward in a bow", "bow at the waist",
        "make a polite bow"}},
      {"bye",
       {"wave goodbye with one hand", "wave a hand to say goodbye", "say goodbye with a wave of the hand",
        "give a farewell wave", "wave one hand in farewell"}},
      {"guide",
       {"gesture with an arm to show the way", "point the way with an open hand",
        "guide someone in a direction with a hand gesture", "show someone where to go",
        "motion with a hand to lead someone along"}},
      {"byebye",
       {"wave goodbye with both hands", "wave both hands to say bye-bye", "say bye-bye waving both arms",
        "give a big two-handed farewell wave", "wave both arms in farewell"}},
      {"respond",
       {"raise a hand to respond", "answer by raising a hand", "respond with a raised hand",
        "reply with a hand gesture", "put a hand up in reply"}},
      {"call",
       {"call someone over", "beckon someone to come closer", "wave someone over",
        "call out to someone with a hand gesture", "signal someone to come here"}},
      {"punch",
       {"throw a punch", "punch forward", "punch with a fist", "strike with a punch",
        "jab the air with a fist"}},
      {"kick", {"kick", "kick with one leg", "throw a kick", "kick forward", "kick the air"}},
      {"slash",
       {"slash with a sword", "swing a blade", "make a slashing motion", "cut through the air with a sword",
        "slash downward with a weapon"}},
      {"dance-long",
       {"dance", "perform a long dance", "dance freely", "dance around", "perform a dance routine"}},
      {"dance-short",
       {"dance", "perform a short dance", "dance briefly", "do a quick dance", "dance a short routine"}},
      {"dance", {"dance", "perform a dance", "dance freely", "dance around", "perform a dance routine"}},
      // Bandai dataset-2
      {"walk-turn-left",
       {"walk and turn left", "walk forward then turn to the left", "make a left turn while walking",
        "walk and curve to the left", "turn left while walking"}},
      {"walk-turn-right",
       {"walk and turn right", "walk forward then turn to the right", "make a right turn while walking",
        "walk and curve to the right", "turn right while walking"}},
      {"wave-both-hands",
       {"wave both hands", "wave with both arms", "wave both hands in the air",
        "wave both arms above the head", "wave hello with both hands"}},
      {"wave-left-hand",
       {"wave the left hand", "wave with the left arm", "wave the left hand in greeting",
        "raise the left hand and wave", "wave hello with the left hand"}},
      {"wave-right-hand",
       {"wave the right hand", "wave with the right arm", "wave the right hand in greeting",
        "raise the right hand and wave", "wave hello with the right hand"}},
      {"raise-up-both-hands",
       {"raise both hands", "lift both arms up", "put both hands up in the air", "raise both arms overhead",
        "hold both hands up high"}},
      {"raise-up-left-hand",
       {"raise the left hand", "lift the left arm up", "put the left hand up in the air",
        "raise the left arm overhead", "hold the left hand up high"}},
      {"raise-up-right-hand",
       {"raise the right hand", "lift the right arm up", "put the right hand up in the air",
        "raise the right arm overhead", "hold the right hand up high"}},
  };
  return kPhrases;
}

struct StylePhrases {
  std::vector<std::string> adverbs;     // manner, placed after the verb phrase ("energetically")
  std::vector<std::string> adjectives;  // describing the person ("energetic")
};

const std::map<std::string, StylePhrases, std::less<>>& style_phrases() {
  static const std::map<std::string, StylePhrases, std::less<>> kStyles = {
      {"normal",
       {{"normally", "casually", "calmly", "in a relaxed way", "naturally"},
        {"calm", "relaxed", "ordinary"}}},
      {"happy",
       {{"happily", "cheerfully", "joyfully", "in a happy mood", "with a cheerful air"},
        {"happy", "cheerful", "joyful"}}},
      {"sad",
       {{"sadly", "gloomily", "sorrowfully", "in a sad mood", "with a heavy heart"},
        {"sad", "gloomy", "sorrowful"}}},
      {"angry",
       {{"angrily", "furiously", "irritably", "in an angry way", "with obvious anger"},
        {"angry", "furious", "irritated"}}},
      {"proud",
       {{"proudly", "confidently", "with a puffed-out chest", "with pride", "haughtily"},
        {"proud", "self-assured", "confident"}}},
      {"not-confident",
       {{"timidly", "hesitantly", "nervously", "shyly", "without confidence"},
        {"timid", "hesitant", "insecure", "unconfident"}}},
      {"masculinity",
       {{"in a masculine way", "in a manly way", "with a macho swagger", "boldly like a tough guy"},
        {"masculine", "manly", "macho"}}},
      {"masculine",
       {{"in a masculine way", "in a manly way", "with a macho swagger", "boldly like a tough guy"},
        {"masculine", "manly", "macho"}}},
      {"feminine",
       {{"in a feminine way", "gracefully", "daintily", "elegantly", "in a ladylike manner"},
        {"feminine", "graceful", "dainty"}}},
      {"childish",
       {{"childishly", "like a child", "playfully", "in a childlike way", "like a little kid"},
        {"childish", "childlike", "playful"}}},
      {"old",
       {{"like an old person", "slowly and stiffly", "feebly", "with the stiffness of old age", "frailly"},
        {"old", "elderly", "aged"}}},
      {"elderly",
       {{"like an elderly person", "slowly and stiffly", "feebly", "with the stiffness of old age",
         "frailly"},
        {"elderly", "old", "aged"}}},
      {"tired",
       {{"wearily", "tiredly", "sluggishly", "with visible fatigue", "as if worn out"},
        {"tired", "weary", "worn-out"}}},
      {"exhausted",
       {{"wearily", "with exhaustion", "sluggishly", "as if completely drained", "with heavy fatigue"},
        {"exhausted", "weary", "drained"}}},
      {"active",
       {{"energetically", "enthusiastically", "vigorously", "with lots of energy", "in a lively way"},
        {"energetic", "lively", "enthusiastic"}}},
      {"musical",
       {{"theatrically", "like in a musical", "in a musical-theatre style", "with a performer's flair",
         "like a stage performer"},
        {"theatrical", "showy", "dramatic"}}},
      {"giant",
       {{"like a giant", "heavily, like a huge person", "with big heavy movements", "ponderously",
         "like a lumbering giant"},
        {"giant", "huge", "hulking"}}},
      {"chimpira",
       {{"like a street thug", "with a thuggish swagger", "in a cocky delinquent way", "like a punk",
         "like a hoodlum"},
        {"thuggish", "cocky", "delinquent"}}},
      {"youthful",
       {{"youthfully", "in a youthful way", "sprightly", "with youthful energy", "like a young person"},
        {"young", "youthful", "sprightly"}}},
  };
  return kStyles;
}

struct GenrePhrases {
  std::vector<std::string> verbs;  // base form
  std::vector<std::string> music;  // "to latin music"
};

const std::map<std::string, GenrePhrases, std::less<>>& genre_phrases() {
  static const std::map<std::string, GenrePhrases, std::less<>> kGenres = {
      {"cha-cha",
       {{"dance the cha-cha", "perform a cha-cha", "do a cha-cha routine", "dance a lively cha-cha",
         "dance cha-cha-cha steps"},
        {"to latin music", "to the beat", "to the music", "in time with the rhythm"}}},
      {"rumba",
       {{"dance the rumba", "perform a rumba", "dance a slow, sensual rumba", "do rumba steps",
         "move through a rumba routine"},
        {"to latin music", "to the beat", "to the music", "in time with the rhythm"}}},
      {"tango",
       {{"dance the tango", "perform a dramatic tango", "do tango steps", "dance a passionate tango",
         "move through a tango routine"},
        {"to tango music", "to the beat", "to the music", "with sharp accents on the beat"}}},
      {"waltz",
       {{"waltz", "dance a waltz", "turn gracefully in a waltz", "perform a waltz", "do waltz steps"},
        {"in three-four time", "to the music", "to the beat", "to a waltz tune"}}},
      {"break",
       {{"breakdance", "do breakdance moves", "perform breaking", "dance b-boy style",
         "do power moves and freezes"},
        {"to the beat", "to the music", "to a hip-hop track", "on the rhythm"}}},
      {"pop",
       {{"do popping moves", "dance popping", "pop and hit sharply", "perform a popping routine",
         "dance with sharp popping hits"},
        {"to the beat", "to the music", "to a funk track", "on the rhythm"}}},
      {"lock",
       {{"dance locking", "do locking moves", "perform a locking routine", "lock and point",
         "dance funk-style locking"},
        {"to the beat", "to the music", "to a funk track", "on the rhythm"}}},
      {"middle hip-hop",
       {{"dance hip-hop", "do hip-hop moves", "perform a hip-hop routine", "groove in hip-hop style",
         "bounce to hip-hop"},
        {"to the beat", "to the music", "to a hip-hop track", "on the rhythm"}}},
      {"LA hip-hop",
       {{"dance LA-style hip-hop", "do LA-style hip-hop moves", "perform an LA hip-hop routine",
         "groove in LA hip-hop style", "dance hip-hop choreography"},
        {"to the beat", "to the music", "to a hip-hop track", "on the rhythm"}}},
      {"house",
       {{"dance house", "do house dance footwork", "perform a house dance routine", "jack to house music",
         "shuffle and step in house style"},
        {"to the beat", "to the music", "to a house track", "on the rhythm"}}},
      {"waack",
       {{"dance waacking", "do waacking arm whips", "perform a waacking routine", "whip the arms waacking",
         "dance in waacking style"},
        {"to the beat", "to the music", "to a disco track", "on the rhythm"}}},
      {"krump",
       {{"krump", "dance krump", "do aggressive krump moves", "perform a krump routine", "stomp and krump"},
        {"to the beat", "to the music", "to a hip-hop track", "on the rhythm"}}},
      {"street jazz",
       {{"dance street jazz", "do street jazz moves", "perform a street jazz routine",
         "dance jazzy street choreography", "move in street jazz style"},
        {"to the beat", "to the music", "to a pop track", "on the rhythm"}}},
      {"ballet jazz",
       {{"dance ballet jazz", "do ballet jazz moves", "perform a ballet jazz routine",
         "dance a graceful jazz ballet", "move in ballet jazz style"},
        {"to the beat", "to the music", "to a pop track", "on the rhythm"}}},
  };
  return kGenres;
}

const std::vector<std::string> kSubjects = {"a person",    "someone",       "the person", "a figure",
                                            "a character", "an individual", "a human",    "a performer"};
// Subjects where the noun can take an adjective ("a lively person").
const std::vector<std::string> kNouns = {"person", "figure", "character", "individual", "performer"};

bool is_vowel(char c) { return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u'; }
std::string article(const std::string& word) { return is_vowel(word.empty() ? 'x' : word[0]) ? "an " : "a "; }

std::pair<std::string, std::string> split_first(const std::string& phrase) {
  auto sp = phrase.find(' ');
  if (sp == std::string::npos) return {phrase, ""};
  return {phrase.substr(0, sp), phrase.substr(sp)};
}

std::string third_person(const std::string& phrase) {
  auto [w, rest] = split_first(phrase);
  static const std::map<std::string, std::string> kIrregular = {
      {"do", "does"}, {"go", "goes"}, {"have", "has"}};
  if (auto it = kIrregular.find(w); it != kIrregular.end()) return it->second + rest;
  // Lambdas capture the word, not the structured binding (clang before 16 cannot).
  auto ends = [&word = w](const char* s) { return word.ends_with(s); };
  if (ends("s") || ends("sh") || ends("ch") || ends("x") || ends("z")) return w + "es" + rest;
  if (w.size() > 1 && w.back() == 'y' && !is_vowel(w[w.size() - 2]))
    return w.substr(0, w.size() - 1) + "ies" + rest;
  return w + "s" + rest;
}

std::string participle(const std::string& phrase) {
  auto [w, rest] = split_first(phrase);
  static const std::set<std::string> kDouble = {"run",  "jog",  "step",  "nod",  "hit",  "stop",
                                                "skip", "trot", "strut", "clap", "drop", "plod",
                                                "put",  "cut",  "pop",   "jab",  "whip"};
  if (kDouble.count(w)) return w + w.back() + "ing" + rest;
  if (w.ends_with("ie")) return w.substr(0, w.size() - 2) + "ying" + rest;
  if (w.size() > 2 && w.back() == 'e' && !w.ends_with("ee")) return w.substr(0, w.size() - 1) + "ing" + rest;
  return w + "ing" + rest;
}

// "walk-zigzag" -> "walk zigzag": a fallback verb phrase for labels the table does not know.
std::string label_words(std::string_view label) {
  std::string s(label);
  std::replace(s.begin(), s.end(), '-', ' ');
  std::replace(s.begin(), s.end(), '_', ' ');
  return s;
}

class Rng {
 public:
  explicit Rng(std::string_view seed) {
    uint64_t h = 14695981039346656037ull;
    for (unsigned char c : seed) h = (h ^ c) * 1099511628211ull;
    gen_.seed(h);
  }
  // std::mt19937_64's sequence is fixed by the standard; distributions are not, so reduce by hand.
  size_t below(size_t n) { return n ? static_cast<size_t>(gen_() % n) : 0; }
  template <typename T>
  const T& pick(const std::vector<T>& v) {
    return v[below(v.size())];
  }

 private:
  std::mt19937_64 gen_;
};

// Draw until `count` distinct sentences exist or the attempts run out (small vocabularies).
template <typename Make>
std::vector<std::string> distinct(int count, Make make) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (int attempt = 0; attempt < 200 * count && static_cast<int>(out.size()) < count; ++attempt) {
    std::string s = make(attempt);
    if (seen.insert(s).second) out.push_back(std::move(s));
  }
  return out;
}

}  // namespace

bool has_content_phrases(std::string_view content) { return content_phrases().count(content) > 0; }
bool has_style_phrases(std::string_view style) { return style_phrases().count(style) > 0; }

std::vector<std::string> action_captions(std::string_view content, std::string_view style,
                                         std::string_view seed, int count) {
  std::vector<std::string> verbs;
  if (auto it = content_phrases().find(content); it != content_phrases().end())
    verbs = it->second;
  else
    verbs = {label_words(content)};
  StylePhrases sty;
  if (auto it = style_phrases().find(style); it != style_phrases().end())
    sty = it->second;
  else if (!style.empty())
    sty = {{"in a " + label_words(style) + " way", "in a " + label_words(style) + " style"},
           {label_words(style)}};
  // A neutral style may also go unmentioned.
  const bool neutral = style.empty() || style == "normal";
  if (sty.adverbs.empty()) sty.adverbs = {""};
  if (sty.adjectives.empty()) sty.adjectives = {""};
  // Single-word -ly adverbs read well before the verb too ("someone energetically waves").
  std::vector<std::string> pre;
  for (const auto& a : sty.adverbs)
    if (a.find(' ') == std::string::npos && a.ends_with("ly")) pre.push_back(a);

  Rng rng(seed);
  return distinct(count, [&](int attempt) -> std::string {
    const std::string& vp = attempt == 0 ? verbs[0] : rng.pick(verbs);
    const std::string v3 = third_person(vp), ing = participle(vp);
    const std::string& subj = attempt == 0 ? kSubjects[0] : rng.pick(kSubjects);
    const std::string& adv = attempt == 0 ? sty.adverbs[0] : rng.pick(sty.adverbs);
    const std::string& adj = rng.pick(sty.adjectives);
    const std::string& noun = rng.pick(kNouns);
    auto with_adv = [&](const std::string& s) { return adv.empty() ? s : s + " " + adv; };
    if (attempt == 0) return with_adv(subj + " " + v3);
    int templates = 9;
    size_t t = rng.below(templates + (neutral ? 2 : 0));
    if (adj.empty() && (t == 2 || t == 4 || t == 5 || t == 8)) t = 0;
    switch (t) {
      case 0:
        return with_adv(subj + " " + v3);
      case 1:
        return pre.empty() ? with_adv(subj + " is " + ing) : subj + " " + rng.pick(pre) + " " + v3;
      case 2:
        return article(adj) + adj + " " + noun + " " + v3;
      case 3:
        return adv.empty() ? subj + " " + v3 : adv + ", " + subj + " " + v3;
      case 4:
        return subj + " " + v3 + ", looking " + adj;
      case 5:
        return subj + " who seems " + adj + " " + v3;
      case 6:
        return with_adv(subj + " is " + ing);
      case 7:
        return with_adv(subj + " " + ing);
      case 8:
        return "the " + adj + " " + noun + " " + v3;
      case 9:
        return subj + " " + v3;
      default:
        return subj + " " + ing;
    }
  });
}

std::vector<std::string> dance_captions(std::string_view genre, std::string_view seed, int count) {
  GenrePhrases g;
  if (auto it = genre_phrases().find(genre); it != genre_phrases().end())
    g = it->second;
  else
    g = {{"dance " + label_words(genre), "perform a " + label_words(genre) + " dance", "dance"},
         {"to the beat", "to the music"}};
  static const std::vector<std::string> kDancers = {"a person",   "someone",     "a dancer",
                                                    "the dancer", "a performer", "a figure"};
  Rng rng(seed);
  return distinct(count, [&](int attempt) -> std::string {
    const std::string& vp = attempt == 0 ? g.verbs[0] : rng.pick(g.verbs);
    const std::string& subj = attempt == 0 ? kDancers[0] : rng.pick(kDancers);
    const std::string& mus = rng.pick(g.music);
    if (attempt == 0) return subj + " " + third_person(vp);
    switch (rng.below(5)) {
      case 0:
        return subj + " " + third_person(vp);
      case 1:
        return subj + " " + third_person(vp) + " " + mus;
      case 2:
        return subj + " is " + participle(vp) + " " + mus;
      case 3:
        return subj + " " + participle(vp) + " " + mus;
      default:
        return subj + " " + third_person(vp) + " to a song";
    }
  });
}

}  // namespace e2m::io
