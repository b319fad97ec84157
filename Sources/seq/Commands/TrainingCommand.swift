import ArgumentParser
import Foundation
import SeqModels
import SeqTasks

/// What every training command (pretrain, train-translation, …) does the same way around
/// `TrainingRun`: find its bundled data, refuse an output directory it would clobber or a
/// recipe flag a resumed run cannot change, turn library errors into input errors naming
/// the file, and end with the summary JSON.
enum TrainingCommand {
    /// `relative` (a bundled corpus) under the working directory or the package that holds
    /// this binary (.build/<config>/seq).
    static func bundledFile(_ relative: String) -> String? {
        var candidates = [FileManager.default.currentDirectoryPath + "/" + relative]
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<4 {
            candidates.append(dir.appendingPathComponent(relative).path)
            dir = dir.deletingLastPathComponent()
        }
        return candidates.first { FileManager.default.isReadableFile(atPath: $0) }
    }

    /// The model file `directory` holds (config.json or model.safetensors), if any: an
    /// `--out` that must not be written over.
    static func modelFile(in directory: URL) -> String? {
        ["config.json", "model.safetensors"].first { FileManager.default.fileExists(atPath: directory.appendingPathComponent($0).path) }
    }

    /// The newest checkpoint in `outPath`, after refusing a fresh run over an existing run or
    /// model, and a resumed run given any of `recipeFlags` (`mayChange` lists what may be).
    static func checkOutput(_ outPath: String, resume: Bool, recipeFlags: [String], mayChange: String) throws -> URL? {
        let outURL = URL(fileURLWithPath: outPath)
        let existing = TrainingCheckpoint.latest(in: outURL)
        if !resume, let existing {
            throw ValidationError("\(outPath) already holds a run (\(existing.lastPathComponent)); pass --resume to continue it, or choose another --out")
        }
        if !resume, modelFile(in: outURL) != nil {
            throw ValidationError("\(outPath) already holds a model (config.json or model.safetensors) and no checkpoint to resume; choose another --out")
        }
        if resume {
            let fixed = recipeFlags.filter { flag in CommandLine.arguments.contains { $0 == flag || $0.hasPrefix(flag + "=") } }
            if !fixed.isEmpty {
                throw ValidationError("--resume continues with the run's stored settings, which cannot change: remove \(fixed.joined(separator: ", ")) (\(mayChange))")
            }
        }
        return existing
    }

    /// Runs `body`, reporting the libraries' errors as bad input: corpus errors name their
    /// file, checkpoint errors the output directory, training errors `data`.
    static func reportingInput<T>(out: String, data: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let e as InputError {
            throw e
        } catch let e as CorpusError {
            throw InputError(file: e.path, line: nil, message: e.message)
        } catch let e as CheckpointError {
            throw InputError(file: out, line: nil, message: e.message)
        } catch let e as TrainingError {
            throw InputError(file: data, line: nil, message: e.message)
        }
    }

    /// The limits and intervals every training command takes.
    static func runOptions(out: URL, maxSteps: Int?, maxMinutes: Double?, epochs: Int?, evalEvery: Int, patience: Int, keepBest: Bool,
                           checkpointEvery: Int, keepCheckpoints: Int, logEvery: Int) -> TrainingRunOptions {
        var options = TrainingRunOptions(out: out)
        options.maxSteps = maxSteps
        options.maxMinutes = maxMinutes
        options.maxEpochs = epochs
        options.evalEvery = evalEvery
        options.patience = patience
        options.keepBest = keepBest
        options.checkpointEvery = checkpointEvery
        options.keepCheckpoints = keepCheckpoints
        options.logEvery = logEvery
        return options
    }

    /// Tells where the model is and what to run next (stderr), then prints the summary with
    /// `next` as the last stdout line.
    static func finish(_ summary: [String: Any], done: String, next: [String]) throws {
        var summary = summary
        summary["next"] = next
        FileHandle.standardErrorWrite("done: \(done)\nnext:\n" + next.map { "  " + $0 + "\n" }.joined())
        let json = try JSONSerialization.data(withJSONObject: summary, options: [.sortedKeys, .withoutEscapingSlashes])
        try StandardOutput.write(json + Data("\n".utf8))
    }
}
