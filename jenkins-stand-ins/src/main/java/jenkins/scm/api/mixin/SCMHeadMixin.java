package jenkins.scm.api.mixin;

import java.io.Serializable;

public interface SCMHeadMixin extends Serializable {
    String getName();
}
