import Foundation
import SeqCore

/// An output directory checked (and created) before any work: a path that is a file, lies
/// under a file, or cannot be created is refused in one sentence naming it, instead of a
/// Foundation error dump after minutes of training.
enum OutputDirectory {
    static func create(_ path: String, flag: String) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw InputError(file: path, line: nil, message: "\(flag) names a file; expected a directory (existing or to be created)")
            }
        } else {
            // mkdir -p with POSIX calls, for the errno ("Not a directory", "Permission denied").
            var prefix = path.hasPrefix("/") ? "" : "."
            for component in path.split(separator: "/") {
                prefix += "/" + component
                if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
                    throw InputError(file: path, line: nil, message: "cannot create the \(flag) directory (\(String(cString: strerror(errno))))")
                }
            }
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw InputError(file: path, line: nil, message: "cannot create the \(flag) directory (a part of the path is a file)")
            }
        }
        guard access(path, W_OK) == 0 else {
            throw InputError(file: path, line: nil, message: "cannot write into the \(flag) directory (\(String(cString: strerror(errno))))")
        }
    }
}

/// Foundation's file errors as one sentence: the POSIX reason under an NSCocoaErrorDomain
/// error ("Not a directory", "No space left on device"), not the whole dump.
enum FoundationErrors {
    static func reason(_ error: Error) -> String {
        let ns = error as NSError
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        if ns.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(ns.code))) }
        return ns.localizedFailureReason ?? ns.localizedDescription
    }

    /// The file an error names, if any.
    static func path(_ error: Error) -> String? {
        let info = (error as NSError).userInfo
        return info[NSFilePathErrorKey] as? String ?? (info[NSURLErrorKey] as? URL)?.path
    }
}
