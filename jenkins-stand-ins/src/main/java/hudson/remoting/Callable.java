package hudson.remoting;

import java.io.Serializable;
import org.jenkinsci.remoting.RoleChecker;

public interface Callable<V, T extends Throwable> extends Serializable {
    V call() throws T;

    void checkRoles(RoleChecker checker) throws SecurityException;
}
