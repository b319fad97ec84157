// Writes corpora/default.txt: varied English-like sentences built from this project's own
// word lists and sentence patterns (no text copied from anywhere), deterministic (a fixed
// 64-bit LCG), so every command has a default corpus on a fresh machine.
// Usage, from the package root: swift corpora/generate.swift > corpora/default.txt
import Foundation

var state: UInt64 = 0x5EED_0F5E_0C0A_2026
func next() -> Int {
    state = state &* 6364136223846793005 &+ 1442695040888963407
    return Int(truncatingIfNeeded: state >> 33)
}
func pick<T>(_ xs: [T]) -> T { xs[next() % xs.count] }
func chance(_ percent: Int) -> Bool { next() % 100 < percent }

let nouns = """
river valley mountain harbor village market garden window kitchen teacher farmer sailor doctor painter \
engineer musician student baker weaver carpenter lantern compass ladder bridge tower meadow forest island \
library notebook letter journey morning evening winter summer autumn spring storm thunder rain snow cloud \
shadow mirror candle basket bottle blanket kettle hammer needle pocket ribbon saddle wagon bicycle engine \
machine signal station platform ticket passenger captain merchant festival concert theater gallery museum \
painting sculpture melody rhythm question answer problem solution pattern number equation theory experiment \
laboratory telescope planet comet galaxy orbit ocean desert canyon glacier volcano orchard vineyard cottage \
castle cathedral fountain courtyard staircase corridor chimney rooftop balcony lighthouse harbor ferry canal \
tunnel railway highway crossroads village council neighbor stranger traveler guardian apprentice scholar \
inventor architect gardener shepherd fisherman blacksmith tailor cobbler poet novelist historian astronomer \
map atlas riddle puzzle secret promise memory dream story legend rumor message parcel recipe soup bread \
cheese apple pear plum cherry lemon orange walnut honey pepper salt sugar coffee tea cocoa biscuit pastry \
owl sparrow falcon heron fox badger otter rabbit deer horse pony goat sheep cattle beetle butterfly spider \
oak willow birch maple pine cedar fern moss clover tulip rose daisy lily orchid hedge pebble boulder stone
""".split(separator: " ").map(String.init)
let verbs = [("walk", "walked", "walking"), ("carry", "carried", "carrying"), ("build", "built", "building"),
             ("paint", "painted", "painting"), ("write", "wrote", "writing"), ("read", "read", "reading"),
             ("find", "found", "finding"), ("open", "opened", "opening"), ("close", "closed", "closing"),
             ("repair", "repaired", "repairing"), ("measure", "measured", "measuring"), ("follow", "followed", "following"),
             ("discover", "discovered", "discovering"), ("explain", "explained", "explaining"), ("watch", "watched", "watching"),
             ("gather", "gathered", "gathering"), ("plant", "planted", "planting"), ("cross", "crossed", "crossing"),
             ("climb", "climbed", "climbing"), ("sing", "sang", "singing"), ("draw", "drew", "drawing"),
             ("bring", "brought", "bringing"), ("leave", "left", "leaving"), ("visit", "visited", "visiting"),
             ("remember", "remembered", "remembering"), ("forget", "forgot", "forgetting"), ("borrow", "borrowed", "borrowing"),
             ("deliver", "delivered", "delivering"), ("count", "counted", "counting"), ("polish", "polished", "polishing"),
             ("sketch", "sketched", "sketching"), ("study", "studied", "studying"), ("prepare", "prepared", "preparing"),
             ("describe", "described", "describing"), ("admire", "admired", "admiring"), ("question", "questioned", "questioning"),
             ("sell", "sold", "selling"), ("buy", "bought", "buying"), ("teach", "taught", "teaching"), ("keep", "kept", "keeping")]
let adjectives = """
quiet bright narrow ancient patient curious careful gentle clever sudden distant golden silver wooden \
crowded empty tiny enormous famous forgotten hidden honest humble modest noisy orderly peaceful proud \
restless rusty shallow sleepy steady stubborn sturdy tidy clumsy cheerful gloomy graceful hollow lively \
lonely marvelous mysterious ordinary peculiar plain precious rare remarkable rough rural simple slender \
smooth solemn splendid strange swift tender thoughtful unusual vivid warm weary wild windy wise young \
elderly fragrant frozen glowing humid misty muddy northern southern eastern western colorful delicate
""".split(separator: " ").map(String.init)
let adverbs = ["slowly", "quickly", "carefully", "quietly", "happily", "rarely", "often", "suddenly", "patiently",
               "gladly", "barely", "nearly", "softly", "boldly", "eagerly", "gently", "proudly", "silently", "wisely", "calmly"]
let names = ["Amara", "Bruno", "Chiara", "Dmitri", "Elena", "Farid", "Greta", "Hiro", "Ingrid", "Jonas", "Keiko",
             "Lucas", "Mei", "Nadia", "Oskar", "Priya", "Quentin", "Rosa", "Sven", "Tariq", "Ursula", "Viktor",
             "Wen", "Ximena", "Yusuf", "Zoë", "Renée", "José", "Björn", "Anaïs"]
let places = ["the old harbor", "the northern valley", "the river crossing", "the town square", "the mountain pass",
              "the quiet library", "the eastern market", "the lighthouse", "the orchard", "the railway station",
              "the village school", "the glass museum", "the café on the corner", "the long bridge", "the forest edge"]
let times = ["at dawn", "before noon", "after supper", "in the evening", "at midnight", "on Sunday", "last winter",
             "every morning", "during the storm", "in early spring", "three days later", "once a year"]
let connectives = ["because", "although", "while", "after", "before", "until", "since", "whenever"]

func np(plural: Bool = false) -> String {
    var parts = [String]()
    if chance(55) { parts.append(pick(adjectives)) }
    var n = pick(nouns)
    if plural { n = n.hasSuffix("y") && !n.hasSuffix("ey") ? String(n.dropLast()) + "ies" : (n.hasSuffix("s") || n.hasSuffix("sh") || n.hasSuffix("ch") ? n + "es" : n + "s") }
    parts.append(n)
    let det = plural ? pick(["the", "some", "many", "a few", "several", "two", "those"]) : pick(["the", "a", "this", "that", "every", "one"])
    var s = det + " " + parts.joined(separator: " ")
    if det == "a", let f = s.dropFirst(2).first, "aeiou".contains(f) { s = "an" + s.dropFirst(1) }
    return s
}
func subject() -> String { chance(35) ? pick(names) : np(plural: chance(30)) }
func clause() -> String {
    let v = pick(verbs)
    switch next() % 6 {
    case 0: return "\(subject()) \(v.1) \(np(plural: chance(30)))"
    case 1: return "\(subject()) \(pick(adverbs)) \(v.1) \(np()) near \(pick(places))"
    case 2: return "\(subject()) was \(v.2) \(np()) \(pick(times))"
    case 3: return "\(subject()) will \(v.0) \(np(plural: true)) \(pick(times))"
    case 4: return "\(subject()) had never \(v.1 == v.0 ? v.0 : v.1) \(np()) so \(pick(adverbs))"
    default: return "\(subject()) and \(pick(names)) \(v.1) \(np(plural: chance(50))) at \(pick(places))"
    }
}
func capitalized(_ s: String) -> String { s.prefix(1).uppercased() + s.dropFirst() }
func sentence() -> String {
    switch next() % 10 {
    case 0: return capitalized(clause()) + ", " + pick(connectives) + " " + clause() + "."
    case 1: return "Did " + subject() + " " + pick(verbs).0 + " " + np() + "?"
    case 2: return "\"" + capitalized(clause()) + ",\" said " + pick(names) + "."
    case 3: return capitalized(clause()) + "; " + clause() + "."
    case 4: return "In \(1700 + next() % 320), " + clause() + " for \(2 + next() % 97) days."
    case 5: return capitalized(clause()) + " (" + pick(["twice", "at least once", "without a map", "with great care"]) + ")."
    case 6: return capitalized(clause()) + "!"
    default: return capitalized(clause()) + "."
    }
}

var out = ""
var bytes = 0
while bytes < 1_500_000 {
    let n = 1 + next() % 5
    let line = (0..<n).map { _ in sentence() }.joined(separator: " ")
    out += line + "\n"
    bytes += line.utf8.count + 1
}
FileHandle.standardOutput.write(out.data(using: .utf8)!)
