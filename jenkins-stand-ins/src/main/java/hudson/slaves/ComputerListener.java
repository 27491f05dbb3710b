package hudson.slaves;

import hudson.ExtensionPoint;
import hudson.FilePath;
import hudson.model.Computer;
import hudson.model.TaskListener;
import hudson.remoting.Channel;
import java.io.IOException;

/** Reduced: the real class has the other connection events too. */
public abstract class ComputerListener implements ExtensionPoint {
    public void preOnline(Computer c, Channel channel, FilePath root, TaskListener listener)
        throws IOException, InterruptedException {
        throw new UnsupportedOperationException("compile-only stand-in");
    }

    public void onOnline(Computer c, TaskListener listener) throws IOException, InterruptedException {
        throw new UnsupportedOperationException("compile-only stand-in");
    }
}
