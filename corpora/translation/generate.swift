// Writes corpora/translation/{train,val}.{en,de}: simple English sentences and their German
// translations, built from this project's own word lists and templates (no text copied
// from anywhere), with German gender, case and adjective endings done right, so a small
// model can learn a real mapping in minutes. Deterministic (a fixed 64-bit LCG); the
// validation pairs never occur in the training pairs.
// Usage, from the package root: swift corpora/translation/generate.swift corpora/translation
import Foundation

var state: UInt64 = 0x7472_616E_736C_2026
func next() -> Int {
    state = state &* 6364136223846793005 &+ 1442695040888963407
    return Int(truncatingIfNeeded: state >> 33)
}
func pick<T>(_ xs: [T]) -> T { xs[next() % xs.count] }
func chance(_ percent: Int) -> Bool { next() % 100 < percent }

enum Gender { case m, f, n }
struct Noun { let en: String, enPlural: String, de: String, dePlural: String, gender: Gender }
func noun(_ en: String, _ enPlural: String, _ de: String, _ dePlural: String, _ g: Gender) -> Noun {
    Noun(en: en, enPlural: enPlural, de: de, dePlural: dePlural, gender: g)
}

let people = [
    noun("man", "men", "Mann", "Männer", .m), noun("woman", "women", "Frau", "Frauen", .f),
    noun("child", "children", "Kind", "Kinder", .n), noun("boy", "boys", "Junge", "Jungen", .m),
    noun("girl", "girls", "Mädchen", "Mädchen", .n), noun("teacher", "teachers", "Lehrer", "Lehrer", .m),
    noun("doctor", "doctors", "Arzt", "Ärzte", .m), noun("student", "students", "Student", "Studenten", .m),
    noun("farmer", "farmers", "Bauer", "Bauern", .m), noun("cook", "cooks", "Koch", "Köche", .m),
    noun("musician", "musicians", "Musiker", "Musiker", .m), noun("worker", "workers", "Arbeiter", "Arbeiter", .m),
]
let animals = [
    noun("dog", "dogs", "Hund", "Hunde", .m), noun("cat", "cats", "Katze", "Katzen", .f),
    noun("horse", "horses", "Pferd", "Pferde", .n), noun("bird", "birds", "Vogel", "Vögel", .m),
    noun("cow", "cows", "Kuh", "Kühe", .f), noun("sheep", "sheep", "Schaf", "Schafe", .n),
]
let adjectives: [(en: String, de: String)] = [
    ("young", "jung"), ("old", "alt"), ("small", "klein"), ("tall", "groß"), ("happy", "glücklich"),
    ("tired", "müde"), ("black", "schwarz"), ("white", "weiß"), ("red", "rot"), ("blue", "blau"),
    ("green", "grün"), ("brown", "braun"), ("friendly", "freundlich"), ("quiet", "ruhig"),
]
let colours = Array(adjectives[6...11])
struct Verb { let en: String, enPlural: String, de: String, dePlural: String, objects: [Noun] }
let food = [noun("apple", "apples", "Apfel", "Äpfel", .m), noun("sandwich", "sandwiches", "Brot", "Brote", .n),
            noun("soup", "soups", "Suppe", "Suppen", .f), noun("cake", "cakes", "Kuchen", "Kuchen", .m)]
let reading = [noun("book", "books", "Buch", "Bücher", .n), noun("newspaper", "newspapers", "Zeitung", "Zeitungen", .f),
               noun("letter", "letters", "Brief", "Briefe", .m), noun("map", "maps", "Karte", "Karten", .f)]
let things = [noun("ball", "balls", "Ball", "Bälle", .m), noun("cup", "cups", "Tasse", "Tassen", .f),
              noun("umbrella", "umbrellas", "Regenschirm", "Regenschirme", .m), noun("bag", "bags", "Tasche", "Taschen", .f),
              noun("box", "boxes", "Kiste", "Kisten", .f), noun("guitar", "guitars", "Gitarre", "Gitarren", .f),
              noun("flower", "flowers", "Blume", "Blumen", .f), noun("camera", "cameras", "Kamera", "Kameras", .f)]
let vehicles = [noun("bike", "bikes", "Fahrrad", "Fahrräder", .n), noun("car", "cars", "Auto", "Autos", .n),
                noun("boat", "boats", "Boot", "Boote", .n), noun("bus", "buses", "Bus", "Busse", .m)]
let transitive = [
    Verb(en: "is eating", enPlural: "are eating", de: "isst", dePlural: "essen", objects: food),
    Verb(en: "is reading", enPlural: "are reading", de: "liest", dePlural: "lesen", objects: reading),
    Verb(en: "is holding", enPlural: "are holding", de: "hält", dePlural: "halten", objects: things),
    Verb(en: "is carrying", enPlural: "are carrying", de: "trägt", dePlural: "tragen", objects: things + animals),
    Verb(en: "is watching", enPlural: "are watching", de: "beobachtet", dePlural: "beobachten", objects: animals + people),
    Verb(en: "is driving", enPlural: "are driving", de: "fährt", dePlural: "fahren", objects: vehicles),
    Verb(en: "is buying", enPlural: "are buying", de: "kauft", dePlural: "kaufen", objects: food + things + reading),
    Verb(en: "is painting", enPlural: "are painting", de: "malt", dePlural: "malen", objects: animals + things + vehicles),
]
let intransitive: [(en: String, enPlural: String, de: String, dePlural: String)] = [
    ("is sleeping", "are sleeping", "schläft", "schlafen"), ("is running", "are running", "läuft", "laufen"),
    ("is smiling", "are smiling", "lächelt", "lächeln"), ("is sitting", "are sitting", "sitzt", "sitzen"),
    ("is standing", "are standing", "steht", "stehen"), ("is playing", "are playing", "spielt", "spielen"),
    ("is waiting", "are waiting", "wartet", "warten"), ("is singing", "are singing", "singt", "singen"),
    ("is dancing", "are dancing", "tanzt", "tanzen"), ("is working", "are working", "arbeitet", "arbeiten"),
]
let places: [(en: String, de: String)] = [
    ("in the park", "im Park"), ("on the street", "auf der Straße"), ("near the river", "am Fluss"),
    ("in the kitchen", "in der Küche"), ("at the beach", "am Strand"), ("in the garden", "im Garten"),
    ("in front of the house", "vor dem Haus"), ("on the bridge", "auf der Brücke"), ("in the snow", "im Schnee"),
    ("at the market", "auf dem Markt"), ("in the city", "in der Stadt"), ("under a tree", "unter einem Baum"),
]
let numbers: [(en: String, de: String)] = [("Two", "Zwei"), ("Three", "Drei"), ("Four", "Vier")]

/// A noun phrase: article (definite or not), optional adjective, in German nominative or
/// accusative with the matching endings.
func phrase(_ n: Noun, definite: Bool, adjective: (en: String, de: String)?, accusative: Bool, capital: Bool) -> (String, String) {
    var en = definite ? "the" : (adjective.map { "aeiou".contains($0.en.first!) } ?? "aeiou".contains(n.en.first!) ? "an" : "a")
    var de: String
    var ending: String
    switch (n.gender, definite, accusative) {
    case (.m, true, false): de = "der"; ending = "e"
    case (.m, true, true): de = "den"; ending = "en"
    case (.m, false, false): de = "ein"; ending = "er"
    case (.m, false, true): de = "einen"; ending = "en"
    case (.f, true, _): de = "die"; ending = "e"
    case (.f, false, _): de = "eine"; ending = "e"
    case (.n, true, _): de = "das"; ending = "e"
    case (.n, false, _): de = "ein"; ending = "es"
    }
    if capital { en = en.prefix(1).uppercased() + en.dropFirst(); de = de.prefix(1).uppercased() + de.dropFirst() }
    if let adjective { en += " " + adjective.en; de += " " + adjective.de + ending }
    return (en + " " + n.en, de + " " + n.de)
}

func pair() -> (String, String) {
    let subject = chance(70) ? pick(people) : pick(animals)
    let adjective = chance(40) ? pick(adjectives) : nil
    let plural = chance(20)
    var en: String, de: String
    if plural {
        let number = pick(numbers)
        en = number.en + (adjective.map { " " + $0.en } ?? "") + " " + subject.enPlural
        de = number.de + (adjective.map { " " + $0.de + "e" } ?? "") + " " + subject.dePlural
    } else {
        (en, de) = phrase(subject, definite: chance(60), adjective: adjective, accusative: false, capital: true)
    }
    if chance(55) {
        let verb = pick(transitive)
        let object = pick(verb.objects)
        let (oen, ode) = phrase(object, definite: chance(50), adjective: chance(30) ? pick(colours) : nil, accusative: true, capital: false)
        en += " " + (plural ? verb.enPlural : verb.en) + " " + oen
        de += " " + (plural ? verb.dePlural : verb.de) + " " + ode
    } else {
        let verb = pick(intransitive)
        en += " " + (plural ? verb.enPlural : verb.en)
        de += " " + (plural ? verb.dePlural : verb.de)
    }
    if chance(60) {
        let place = pick(places)
        en += " " + place.en
        de += " " + place.de
    }
    return (en + ".", de + ".")
}

let out = CommandLine.arguments.count > 1 ? CommandLine.arguments[1] : "corpora/translation"
var seen = Set<String>()
var train: [(String, String)] = [], val: [(String, String)] = []
while val.count < 300 {
    let p = pair()
    if seen.insert(p.0).inserted { val.append(p) }
}
while train.count < 20_000 {
    let p = pair()
    if !val.contains(where: { $0.0 == p.0 }) { train.append(p) }
}
func write(_ lines: [String], _ name: String) throws {
    try (lines.joined(separator: "\n") + "\n").write(toFile: out + "/" + name, atomically: true, encoding: .utf8)
}
try write(train.map(\.0), "train.en")
try write(train.map(\.1), "train.de")
try write(val.map(\.0), "val.en")
try write(val.map(\.1), "val.de")
