import ArgumentParser

/// `labelpark`: the park server and its administration commands.
@main
struct LabelParkCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "labelpark",
        abstract: "LabelPark, the data-annotation park server.",
        subcommands: [
            ServeCommand.self, UserCommand.self, TokenCommand.self, MigrateCommand.self, DatabaseCommand.self,
        ])
}
