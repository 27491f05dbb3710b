package hudson.model;

public abstract class InvisibleAction implements Action {
    protected InvisibleAction() {
    }
}
