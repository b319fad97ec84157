// Writes the small default fine-tuning sets of corpora/finetune/ (sentiment, pos, nli, qa;
// train and dev each): sentences built from this project's own word lists and patterns
// (no text copied from anywhere), deterministic (a fixed 64-bit LCG). Each set trains in a
// couple of minutes, so `seq finetune --task T` works on a fresh machine.
// Usage, from the package root: swift corpora/finetune/generate.swift corpora/finetune
import Foundation

var state: UInt64 = 0x5EED_F17E_7A5C_2026
func next() -> Int {
    state = state &* 6364136223846793005 &+ 1442695040888963407
    return Int(truncatingIfNeeded: state >> 33)
}
func pick<T>(_ xs: [T]) -> T { xs[next() % xs.count] }
func words(_ s: String) -> [String] { s.split(separator: " ").map(String.init) }

let things = words("film story concert meal hotel journey book lecture garden museum ferry bakery play song game festival")
let good = words("wonderful delightful charming brilliant lovely superb moving graceful generous cheerful splendid warm")
let bad = words("dreadful tedious clumsy dull awful bitter gloomy careless shabby tiresome bland painful")
let intensifiers = ["", "truly ", "rather ", "very ", "quite "]
let people = words("man woman boy girl child farmer sailor doctor teacher painter baker musician")
let groups = ["man": "person", "woman": "person", "boy": "child", "girl": "child", "child": "child", "farmer": "person",
              "sailor": "person", "doctor": "person", "teacher": "person", "painter": "person", "baker": "person", "musician": "person"]
let actions = [("riding", "a horse"), ("playing", "a guitar"), ("cutting", "some bread"), ("reading", "a letter"),
               ("painting", "a fence"), ("carrying", "a basket"), ("cooking", "a soup"), ("climbing", "a ladder"),
               ("washing", "a bicycle"), ("feeding", "a goat")]
let places = words("park kitchen harbor garden field market street meadow")
let adjectives = words("old young tall quiet busy small bright")
let names = words("Alda Bren Corin Dessa Elm Farra Gale Hollis Ines Joran Kell Lusa Maren Nico Orla Pell")
let towns = words("Varnholt Ostreva Linmere Quelport Dunsary Halvik Torrance Brisel Amberlee Caskwood")
let jobs = words("weaver clockmaker cartographer beekeeper glassblower ferryman botanist printer")
let tools = words("loom compass lantern chisel kettle spindle ledger sextant")

func write(_ name: String, _ text: String) {
    let dir = CommandLine.arguments.count > 1 ? CommandLine.arguments[1] : "corpora/finetune"
    try! text.write(toFile: dir + "/" + name, atomically: true, encoding: .utf8)
}

// Sentiment: GLUE TSV, label 1 positive, 0 negative; a negated adjective flips the label.
func sentiment(_ n: Int) -> String {
    var out = "sentence\tlabel\n"
    for _ in 0..<n {
        let positive = next() % 2 == 0, negated = next() % 4 == 0
        let adjective = (positive != negated) ? pick(good) : pick(bad)
        let subject = "the \(pick(things))"
        let body = negated ? "\(subject) was not \(pick(intensifiers))\(adjective)" : pick([
            "\(subject) was \(pick(intensifiers))\(adjective)",
            "what a \(adjective) \(pick(things)) that was",
            "i found \(subject) \(pick(intensifiers))\(adjective) from start to finish",
            "everyone agreed that \(subject) felt \(adjective)",
        ])
        out += "\(body) \t\(positive ? 1 : 0)\n"
    }
    return out
}

// NLI: premise<TAB>hypothesis<TAB>label with a header.
func nli(_ n: Int) -> String {
    var out = "premise\thypothesis\tlabel\n"
    for _ in 0..<n {
        let p = pick(people), (verb, object) = pick(actions), place = pick(places)
        let premise = "A \(pick(adjectives)) \(p) is \(verb) \(object) in the \(place)"
        let (hypothesis, label): (String, String)
        switch next() % 3 {
        case 0: (hypothesis, label) = (pick(["A \(groups[p]!) is \(verb) \(object)", "Someone is \(verb) \(object) in the \(place)",
                                               "A \(p) is \(verb) \(object)"]), "entailment")
        case 1:
            var other = pick(actions)
            while other.0 == verb { other = pick(actions) }
            (hypothesis, label) = (pick(["Nobody is \(verb) \(object)", "The \(p) is not \(verb) \(object)",
                                         "A \(p) is sleeping and nobody is \(verb) anything"]), "contradiction")
        default: (hypothesis, label) = (pick(["A \(p) is \(verb) \(object) for a friend", "The \(p) is \(verb) \(object) because it is late",
                                              "A \(p) is happy and \(verb) \(object)"]), "neutral")
        }
        out += "\(premise)\t\(hypothesis)\t\(label)\n"
    }
    return out
}

// POS: CoNLL-U with UPOS; a multiword token now and then (as CoNLL-U writes "cannot").
func pos(_ n: Int) -> String {
    var out = "", id = 0
    for _ in 0..<n {
        id += 1
        var rows: [(String, String)] = []
        let p = pick(people), (verb, object) = pick(actions), parts = object.split(separator: " ").map(String.init)
        rows += [("The", "DET"), (pick(adjectives), "ADJ"), (p, "NOUN")]
        let multiword = next() % 5 == 0
        if multiword { rows += [("can", "AUX"), ("not", "PART"), (String(verb.dropLast(3)), "VERB")] } else { rows += [("is", "AUX"), (verb, "VERB")] }
        rows += [(parts[0], "DET"), (parts[1], "NOUN"), ("in", "ADP"), ("the", "DET"), (pick(places), "NOUN")]
        if next() % 2 == 0 { rows += [("and", "CCONJ"), (pick(names), "PROPN"), ("smiles", "VERB")] }
        rows.append((".", "PUNCT"))
        out += "# sent_id = gen-\(id)\n# text = \(rows.map(\.0).joined(separator: " "))\n"
        for (i, (form, tag)) in rows.enumerated() {
            if multiword && form == "can" { out += "\(i + 1)-\(i + 2)\tcannot\t_\t_\t_\t_\t_\t_\t_\t_\n" }
            out += "\(i + 1)\t\(form)\t_\t\(tag)\t_\t_\t\(i == 0 ? 0 : 1)\tdep\t_\t_\n"
        }
        out += "\n"
    }
    return out
}

// QA: SQuAD v1.1 JSON; short biographies and questions whose answer is a span.
func qa(_ n: Int, prefix: String) -> String {
    var paragraphs: [[String: Any]] = []
    for k in 0..<n {
        let name = pick(names), town = pick(towns), job = pick(jobs), tool = pick(tools), year = 1700 + next() % 250
        let context = "\(name) was born in \(town) in \(year). As a young \(job), \(name) kept a \(tool) by the window and travelled to \(pick(towns.filter { $0 != town })) every spring."
        func span(_ s: String) -> Int { context.unicodeScalars.distance(from: context.unicodeScalars.startIndex, to: context.range(of: s)!.lowerBound.samePosition(in: context.unicodeScalars)!) }
        let qas: [(String, String)] = [("Where was \(name) born?", town), ("In which year was \(name) born?", String(year)),
                                       ("What was \(name)'s trade?", job), ("What did \(name) keep by the window?", tool)]
        paragraphs.append(["context": context, "qas": qas.enumerated().map { i, q in
            ["id": "\(prefix)-\(k)-\(i)", "question": q.0, "answers": [["text": q.1, "answer_start": span(q.1)]]] as [String: Any]
        }])
    }
    let data = try! JSONSerialization.data(withJSONObject: ["version": "1.1", "data": [["title": "generated", "paragraphs": paragraphs]]],
                                           options: [.sortedKeys, .prettyPrinted])
    return String(decoding: data, as: UTF8.self) + "\n"
}

write("sentiment.train.tsv", sentiment(800))
write("sentiment.dev.tsv", sentiment(120))
write("nli.train.tsv", nli(900))
write("nli.dev.tsv", nli(120))
write("pos.train.conllu", pos(400))
write("pos.dev.conllu", pos(80))
write("qa.train.json", qa(250, prefix: "train"))
write("qa.dev.json", qa(40, prefix: "dev"))
