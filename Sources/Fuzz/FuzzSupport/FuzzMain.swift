import CFuzzDriver
import Foundation

/// The `main` of every fuzz harness. Built by fuzz/run with `-sanitize=fuzzer`, the program is
/// a libFuzzer fuzzer: this hands the arguments to libFuzzer's driver, which calls the harness
/// body once per input. In a normal build (no libFuzzer linked) it replays the files named on
/// the command line (a folder stands for every file in it), so `swift build` compiles every
/// harness and an input that failed can be replayed under a debugger.
///
/// Why not `@_cdecl("LLVMFuzzerTestOneInput")` with libFuzzer's own `main`: SwiftPM links debug
/// executables with `main` aliased to `<Module>_main` (for testable executables), so a program
/// without top-level code does not link (swiftlang/swift#75800).
public enum FuzzMain {
    /// The harness body; unset, libFuzzer was entered some other way and the run is void.
    nonisolated(unsafe) private static var body: ([UInt8]) -> Void = { _ in
        fatalError("FuzzMain.run was not called: the harness body is unknown")
    }

    public static func run(_ body: @escaping ([UInt8]) -> Void) -> Never {
        Self.body = body
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        let status = keysync_fuzz_run_driver(&argc, &argv) { data, size in fuzzerTestOneInput(data, size) }
        if status != -1 { exit(status) }
        replay(Array(CommandLine.arguments.dropFirst()))
    }

    /// The stand-in `main` of a harness that needs `@testable import`, in a release build.
    public static func debugBuildOnly() -> Never {
        FileHandle.standardError.write(Data("this fuzz harness needs a debug build; run fuzz/run (FUZZING.md)\n".utf8))
        exit(64)
    }

    fileprivate static func testOneInput(_ bytes: [UInt8]) {
        body(bytes)
    }

    private static func replay(_ arguments: [String]) -> Never {
        guard !arguments.isEmpty else {
            FileHandle.standardError.write(Data("usage: \(CommandLine.arguments[0]) FILE_OR_FOLDER...\n".utf8))
            exit(64)
        }
        var count = 0
        for path in arguments {
            for file in files(at: path) {
                guard let data = FileManager.default.contents(atPath: file) else {
                    FileHandle.standardError.write(Data("cannot read \(file)\n".utf8))
                    exit(1)
                }
                body([UInt8](data))
                count += 1
            }
        }
        print("replayed \(count) inputs")
        exit(0)
    }

    private static func files(at path: String) -> [String] {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue else { return [path] }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        return names.sorted().map { "\(path)/\($0)" }
    }
}

/// libFuzzer's callback. `-sanitize=fuzzer` also links libFuzzer's own `main`, which names this
/// symbol; SwiftPM's `main` alias wins, so the driver is entered through `FuzzMain.run` above.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzMain.testOneInput(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
    return 0
}
