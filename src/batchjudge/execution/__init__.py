"""Every way code gets run sits behind one small interface."""
