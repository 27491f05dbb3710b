package io.kubepodenv.cli;

import picocli.CommandLine.IVersionProvider;

/** The version from the jar's manifest. */
final class VersionProvider implements IVersionProvider {
    @Override
    public String[] getVersion() {
        String version = Kpe.class.getPackage().getImplementationVersion();
        return new String[] {"kpe " + (version == null ? "(development build)" : version)};
    }
}
